import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Box } from "@fer/preprocess";
import { createDetector } from "../src/index.js";
import { liveOnnxSessions, loadOnnxRuntime } from "@fer/runtime";
import { PHOTO_FACES } from "./fixtures/photo-faces.js";
import { countMatched, loadPhoto, noiseImage } from "./helpers.js";
import { initTestBackend } from "./tf-backend.js";

function containsPoint(b: Box, x: number, y: number): boolean {
  return x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;
}

beforeAll(async () => {
  await initTestBackend();
  if ((await loadOnnxRuntime()) === undefined) throw new Error("onnxruntime-node (a devDependency of @fer/face-detect) must load in these tests");
});

describe("detectors on onnxruntime", () => {
  const saved = process.env.FER_ENGINE;
  afterEach(() => {
    if (saved === undefined) delete process.env.FER_ENGINE;
    else process.env.FER_ENGINE = saved;
  });

  for (const detector of ["ssd-mobilenet-v1", "tiny-face"] as const) {
    test(`${detector}: gives the tfjs engine's boxes and scores on the shared photos`, async () => {
      const onnx = await createDetector(detector, { engine: "onnxruntime" });
      const tfjs = await createDetector(detector, { engine: "tfjs" });
      try {
        expect([onnx.engine, tfjs.engine]).toEqual(["onnxruntime", "tfjs"]);
        for (const name of ["apollo11_crew.jpg", "obama_family_2011.jpg", "women_on_phones.jpg"]) {
          const img = await loadPhoto(name);
          const [a, b] = [await onnx.detect(img), await tfjs.detect(img)];
          expect(a.length, name).toBe(b.length);
          expect(a.length, name).toBeGreaterThan(0);
          a.forEach((d, i) => {
            const e = b[i]!;
            expect(Math.max(Math.abs(d.x - e.x), Math.abs(d.y - e.y), Math.abs(d.width - e.width), Math.abs(d.height - e.height)), name).toBeLessThanOrEqual(1);
            expect(Math.abs(d.score! - e.score!), name).toBeLessThan(1e-3);
          });
          // The two group photos' faces are all found (both detectors miss some of the crowd photo's, on either engine).
          // The Tiny detector's boxes take in hair and neck, so it is checked by the face centres its boxes hold.
          const faces = name === "women_on_phones.jpg" ? undefined : PHOTO_FACES[name]!.faces;
          if (faces !== undefined && detector === "ssd-mobilenet-v1") expect(countMatched(faces, a, 0.5), name).toBe(faces.length);
          if (faces !== undefined && detector === "tiny-face") {
            const held = faces.filter((f) => a.some((d) => containsPoint(d, f.x + f.width / 2, f.y + f.height / 2)));
            expect(held.length, name).toBe(faces.length);
            expect(a.length, name).toBe(faces.length);
          }
        }
      } finally {
        onnx.dispose();
        tfjs.dispose();
      }
    });
  }

  test("auto picks onnxruntime when installed; FER_ENGINE and the option choose", async () => {
    delete process.env.FER_ENGINE;
    const auto = await createDetector("ssd-mobilenet-v1", { inputSize: 64 });
    expect(auto.engine).toBe("onnxruntime");
    auto.dispose();
    const tiny = await createDetector("tiny-face", { inputSize: 64 });
    expect(tiny.engine).toBe("onnxruntime");
    tiny.dispose();
    process.env.FER_ENGINE = "tfjs";
    const fromEnv = await createDetector("ssd-mobilenet-v1", { inputSize: 64 });
    expect(fromEnv.engine).toBe("tfjs");
    fromEnv.dispose();
    const explicit = await createDetector("ssd-mobilenet-v1", { inputSize: 64, engine: "onnxruntime" });
    expect(explicit.engine).toBe("onnxruntime");
    explicit.dispose();
    process.env.FER_ENGINE = "gpu";
    await expect(createDetector("ssd-mobilenet-v1")).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("ssd-mobilenet-v1", { engine: "torch" as never })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("ssd-mobilenet-v1", { threads: 0 })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("ssd-mobilenet-v1", { threads: 1.5 })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("tiny-face", { engine: "gpu" as never })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("tiny-face", { threads: -1 })).rejects.toMatchObject({ kind: "bad-option" });
  });

  test("holds no tfjs tensors, finds nothing in noise, releases its session on dispose and cannot be used after it", async () => {
    const before = tf.memory().numTensors;
    const sessions = liveOnnxSessions();
    const d = await createDetector("ssd-mobilenet-v1", { engine: "onnxruntime", threads: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(liveOnnxSessions()).toBe(sessions + 1);
    expect(await d.detect(noiseImage(640, 480, 3, 21))).toEqual([]);
    d.dispose();
    d.dispose();
    expect(liveOnnxSessions()).toBe(sessions);
    await expect(d.detect(noiseImage(64, 64, 3))).rejects.toMatchObject({ kind: "disposed" });
  });
});
