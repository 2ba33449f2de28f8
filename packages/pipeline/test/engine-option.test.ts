import { cropBox } from "@fer/preprocess";
import { decodeImage } from "@fer/preprocess/node";
import { expect, inject, it } from "vitest";
import { createPipeline, PipelineError } from "../src/index.js";
import { PHOTOS } from "./helpers.js";

it("engine: tfjs runs the default detector (yunet) and the CNN on tfjs", async () => {
  const p = await createPipeline({ cnn: inject("tinyCnnDir"), engine: "tfjs" });
  try {
    expect(p.models.detector).toBe("yunet");
    expect(p.models.engines).toEqual({ detector: "tfjs", featuriser: "tfjs" });
    expect((await p.analyze(PHOTOS.apollo)).faces).toHaveLength(3);
  } finally {
    p.dispose();
  }
});

it("engine: onnxruntime reaches an either-engine detector and the CNN; threads is checked", async () => {
  const p = await createPipeline({ cnn: inject("tinyCnnDir"), detector: "ssd-mobilenet-v1", engine: "onnxruntime", threads: 1 });
  try {
    expect(p.models.engines).toEqual({ detector: "onnxruntime", featuriser: "onnxruntime" });
  } finally {
    p.dispose();
  }
  await expect(createPipeline({ cnn: inject("tinyCnnDir"), engine: "gpu" as never })).rejects.toMatchObject({ kind: "bad-option" });
  await expect(createPipeline({ cnn: inject("tinyCnnDir"), threads: 0 })).rejects.toBeInstanceOf(PipelineError);
});

it("the accurate preset's embedder follows the engine and gives the same scores on both", { timeout: 180_000 }, async () => {
  const onnx = await createPipeline({ preset: "accurate", engine: "onnxruntime", threads: 1 });
  const tfjs = await createPipeline({ preset: "accurate", engine: "tfjs" });
  try {
    expect(onnx.models.engines.featuriser).toBe("onnxruntime");
    expect(tfjs.models.engines.featuriser).toBe("tfjs");
    // The same crops (the faces the onnxruntime pipeline found) through both featurisers and the same head.
    const image = await decodeImage(PHOTOS.apollo);
    const crops = (await onnx.analyze(image)).faces.map((f) => cropBox(image, f.box, { margin: 0.2, square: true }));
    expect(crops).toHaveLength(3);
    const [a, b] = [await onnx.classifyFaces(crops), await tfjs.classifyFaces(crops)];
    a.forEach((s, i) => {
      expect(s.emotion).toBe(b[i]!.emotion);
      for (const c of onnx.classes) expect(Math.abs(s.scores[c]! - b[i]!.scores[c]!)).toBeLessThan(1e-3);
    });
  } finally {
    onnx.dispose();
    tfjs.dispose();
  }
});
