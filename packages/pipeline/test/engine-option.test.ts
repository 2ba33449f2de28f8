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
