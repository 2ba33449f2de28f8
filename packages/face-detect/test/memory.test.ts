import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { createDetector } from "../src/index.js";
import { liveOpenCvObjects, loadOpenCv } from "../src/opencv.js";
import { loadPhoto, noiseImage } from "./helpers.js";
import { initTestBackend } from "./tf-backend.js";

const RUNS = 500;

beforeAll(async () => {
  await initTestBackend();
});

describe("no memory growth across 500 detections", () => {
  test("haar: every OpenCV object is deleted and the WebAssembly heap does not grow", async () => {
    const { cv } = await loadOpenCv();
    // A 1024x768 RGBA photo (3 MB per copy): a leaked Mat per call would add 1.5 GB to the heap.
    // The huge minimum face size keeps the cascade itself quick; the Mats are the same as for any call.
    const img = noiseImage(1024, 768, 4, 3);
    const haar = await createDetector("haar", { minSize: 700 });
    const baseline = liveOpenCvObjects();
    try {
      for (let i = 0; i < 20; i++) await haar.detect(img);
      const heap = cv.HEAPU8.length;
      for (let i = 0; i < RUNS; i++) await haar.detect(img);
      expect(liveOpenCvObjects()).toBe(baseline);
      expect(cv.HEAPU8.length).toBe(heap);
      // The same objects were also freed when the cascade actually found faces.
      const photo = await loadPhoto("apollo11_crew.jpg");
      const full = await createDetector("haar");
      for (let i = 0; i < 10; i++) expect((await full.detect(photo)).length).toBeGreaterThan(0);
      full.dispose();
      expect(liveOpenCvObjects()).toBe(baseline);
    } finally {
      haar.dispose();
    }
    expect(liveOpenCvObjects()).toBe(baseline - 1);
  });

  test("ssd-mobilenet-v1, tiny-face and yunet on tfjs: tensor count and bytes are flat, and dispose frees the weights", { timeout: 240_000 }, async () => {
    const photo = await loadPhoto("apollo11_crew.jpg");
    const before = tf.memory();
    // Small input sides keep 500 runs quick; the code path is the same at any size.
    // yunet: 100 runs of its main pass only (its graph's 500 runs on the tfjs engine are @fer/runtime's test).
    for (const [name, options, runs] of [
      ["ssd-mobilenet-v1", { inputSize: 64, engine: "tfjs" }, RUNS],
      ["tiny-face", { inputSize: 64, engine: "tfjs" }, RUNS],
      ["yunet", { inputSize: 64, closeUpSize: 0, retrySizes: [], rotations: [], engine: "tfjs" }, 100],
    ] as const) {
      const d = await createDetector(name, options);
      await d.detect(photo);
      const start = tf.memory();
      for (let i = 0; i < runs; i++) await d.detect(photo);
      const end = tf.memory();
      expect(end.numTensors, name).toBe(start.numTensors);
      expect(end.numBytes, name).toBe(start.numBytes);
      d.dispose();
    }
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  test("ssd-mobilenet-v1 and tiny-face on onnxruntime: resident memory stays flat", async () => {
    const photo = await loadPhoto("apollo11_crew.jpg");
    // A 128x128 input (196 KB of floats) per call: a leaked input or output buffer per call would add 90+ MB over
    // 500 calls.
    for (const name of ["ssd-mobilenet-v1", "tiny-face"] as const) {
      const d = await createDetector(name, { inputSize: 128, engine: "onnxruntime", threads: 1 });
      try {
        for (let i = 0; i < 50; i++) await d.detect(photo);
        const rss = process.memoryUsage().rss;
        for (let i = 0; i < RUNS; i++) await d.detect(photo);
        const grownMb = (process.memoryUsage().rss - rss) / 2 ** 20;
        console.log(`onnxruntime ${name}: resident memory grew ${grownMb.toFixed(1)} MB over ${RUNS} detections`);
        expect(grownMb, name).toBeLessThan(30);
      } finally {
        d.dispose();
      }
    }
  });

  test("yunet and ultraface (ONNX files on onnxruntime): resident memory and tfjs tensors stay flat", async () => {
    const photo = await loadPhoto("apollo11_crew.jpg");
    // yunet: a 128 px main pass and the 64 px close-up pass (256 KB of inputs and outputs per call); ultraface: its
    // fixed 320x240 input (920 KB). A leaked buffer per call would add 100+ MB over 500 calls.
    // Every other call is on a noise image with no face, where yunet also runs its retry and turned passes.
    const noFace = noiseImage(160, 120, 3, 5);
    for (const [name, options] of [["yunet", { inputSize: 128, closeUpSize: 64, retrySizes: [96], threads: 1 }], ["ultraface", { threads: 1 }]] as const) {
      const d = await createDetector(name, options);
      try {
        expect((await d.detect(photo)).length, name).toBeGreaterThan(0);
        expect(await d.detect(noFace), name).toEqual([]);
        for (let i = 0; i < 50; i++) await d.detect(i % 2 === 0 ? photo : noFace);
        const rss = process.memoryUsage().rss;
        const tensors = tf.memory().numTensors;
        for (let i = 0; i < RUNS; i++) await d.detect(i % 2 === 0 ? photo : noFace);
        const grownMb = (process.memoryUsage().rss - rss) / 2 ** 20;
        console.log(`onnxruntime ${name}: resident memory grew ${grownMb.toFixed(1)} MB over ${RUNS} detections`);
        expect(grownMb, name).toBeLessThan(30);
        expect(tf.memory().numTensors, name).toBe(tensors);
      } finally {
        d.dispose();
      }
    }
  });
});
