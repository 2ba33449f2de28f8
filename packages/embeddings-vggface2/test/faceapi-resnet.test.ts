import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { mirror } from "@fer/preprocess";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddingError, FACEAPI_RESNET_LAYERS, grayFacesView, loadEmbedder, loadFaceApiResnetEmbedder, type Embedder } from "../src/index.js";
import { setupBackend } from "./helpers/backend.js";
import { ferTestSlice } from "./helpers/data.js";

let embedder: Embedder;

beforeAll(async () => {
  await setupBackend();
  embedder = await loadFaceApiResnetEmbedder();
});
afterAll(() => embedder?.dispose());

function dist(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

describe("face-api's face recognition ResNet-34 as a backbone", () => {
  it("loads its weights from the npm package on disk and describes itself", () => {
    expect(embedder.name).toBe("faceapi-resnet34");
    expect(embedder.inputSize).toBe(150);
    expect(embedder.dim).toBe(128);
    expect(embedder.weightBytes).toBeGreaterThan(20_000_000);
    expect(embedder.layers).toEqual(FACEAPI_RESNET_LAYERS);
    expect(embedder.dimOf("block128-grid2")).toBe(512);
    expect(embedder.dimOf("pool")).toBe(256);
  });

  it("gives a face and its mirror image much closer descriptors than two different faces", async () => {
    const ds = await ferTestSlice(2);
    const faces = grayFacesView(ds.pixels, ds.size, 0, ds.count);
    const mirrored = faces.map((f) => mirror(f));
    const before = tf.memory().numTensors;
    const a = await embedder.embed(faces);
    const b = await embedder.embed(mirrored);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.length).toBe(faces.length * 128);
    expect(a.every(Number.isFinite)).toBe(true);
    const row = (v: Float32Array, i: number) => v.subarray(i * 128, (i + 1) * 128);
    let same = 0;
    let other = 0;
    for (let i = 0; i < faces.length; i++) {
      same += dist(row(a, i), row(b, i));
      other += dist(row(a, i), row(a, (i + 1) % faces.length));
    }
    expect(same / faces.length).toBeLessThan(0.6 * (other / faces.length));
  });

  it("reads several layers in one pass, equal to reading them one by one", async () => {
    const ds = await ferTestSlice(1);
    const faces = grayFacesView(ds.pixels, ds.size, 0, 3);
    const [grid, desc] = await embedder.embedLayers(faces, ["block128-grid2", "descriptor"]);
    expect(grid!.length).toBe(3 * 512);
    const desc2 = await embedder.embed(faces);
    expect(dist(desc!, desc2)).toBeLessThan(1e-4);
    const e = await loadEmbedder("faceapi-resnet34", { layer: "block128-grid2" });
    const grid2 = await e.embed(faces);
    e.dispose();
    expect(dist(grid!, grid2)).toBeLessThan(1e-3);
  });

  it("embeds RGB images of any size as well as gray ones", async () => {
    const rgb = { width: 60, height: 70, channels: 3 as const, data: new Uint8Array(60 * 70 * 3).map((_, i) => (i * 7) % 256) };
    const ds = await ferTestSlice(1);
    const v = await embedder.embed([rgb, ...grayFacesView(ds.pixels, ds.size, 0, 1)]);
    expect(v.length).toBe(256);
    expect(v.every(Number.isFinite)).toBe(true);
  });

  it("throws typed errors for bad input, unknown layers and missing weights", async () => {
    await expect(embedder.embed([])).rejects.toBeInstanceOf(EmbeddingError);
    await expect(embedder.embed([{ width: 2, height: 2, channels: 1, data: new Uint8Array(3) }])).rejects.toThrow(/face 0 is not an Image/);
    await expect(loadFaceApiResnetEmbedder({ layer: "conv9" })).rejects.toThrow(/no layer "conv9"/);
    const empty = mkdtempSync(path.join(tmpdir(), "fer-faceapi-"));
    try {
      await expect(loadFaceApiResnetEmbedder({ modelDir: empty })).rejects.toMatchObject({ kind: "missing-weights" });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    await expect(loadEmbedder("nope")).rejects.toMatchObject({ kind: "unknown-backbone" });
  });
});
