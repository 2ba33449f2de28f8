import { expect, inject, it, vi } from "vitest";
import { FaceDetectError } from "@fer/face-detect";
import { createPipeline, DEFAULT_DETECTOR, FALLBACK_DETECTOR } from "../src/index.js";
import { PHOTOS } from "./helpers.js";

// As if onnxruntime-node were not installed: the ONNX-only detectors cannot be created.
vi.mock("@fer/face-detect", async (importOriginal) => {
  const real = await importOriginal<typeof import("@fer/face-detect")>();
  return {
    ...real,
    createDetector: async (name: string, options?: unknown) => {
      if (name === "yunet" || name === "ultraface") throw new real.FaceDetectError("engine-unavailable", `${name} needs onnxruntime-node`);
      return real.createDetector(name as never, options as never);
    },
  };
});

it("without onnxruntime-node the default detector falls back to the SSD and says so; an explicit yunet still fails", async () => {
  expect(DEFAULT_DETECTOR).toBe("yunet");
  const p = await createPipeline({ cnn: inject("tinyCnnDir") });
  try {
    expect(p.models.detector).toBe(FALLBACK_DETECTOR);
    expect((await p.analyze(PHOTOS.apollo)).faces).toHaveLength(3);
  } finally {
    p.dispose();
  }
  await expect(createPipeline({ cnn: inject("tinyCnnDir"), detector: "yunet" })).rejects.toBeInstanceOf(FaceDetectError);
});
