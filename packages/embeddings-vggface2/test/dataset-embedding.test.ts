import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FaceDataset } from "@fer/preprocess";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embedDataset, EmbeddingError, loadFaceApiResnetEmbedder, type Embedder } from "../src/index.js";
import { setupBackend } from "./helpers/backend.js";
import { ferTestSlice } from "./helpers/data.js";

const cacheDir = mkdtempSync(path.join(tmpdir(), "fer-embcache-"));
let embedder: Embedder;
let ds: FaceDataset;

beforeAll(async () => {
  await setupBackend();
  embedder = await loadFaceApiResnetEmbedder({ layer: "block64" });
  ds = await ferTestSlice(2); // 14 faces
});
afterAll(() => {
  embedder?.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("embedDataset: batched, cached, resumable", () => {
  let first: Float32Array;

  it("embeds every face at several layers and writes chunk files", async () => {
    const calls: number[] = [];
    const [a, b] = await embedDataset(embedder, ds, {
      layers: ["block64", "block32"],
      cacheDir,
      batchSize: 3,
      chunkSize: 4,
      progress: false,
      onProgress: (done) => calls.push(done),
    });
    expect(a!.features.rows).toBe(14);
    expect(a!.features.cols).toBe(64);
    expect(b!.features.cols).toBe(32);
    expect(a!.cachedFaces).toBe(0);
    expect(a!.labels).toEqual(ds.labels);
    expect(calls.at(-1)).toBe(14);
    const direct = await embedder.embed([{ width: 48, height: 48, channels: 1, data: ds.pixels.subarray(5 * 2304, 6 * 2304) }]);
    for (let k = 0; k < 64; k++) expect(a!.features.data[5 * 64 + k]).toBeCloseTo(direct[k]!, 4);
    expect(readdirSync(a!.cacheFolder!).filter((f) => f.endsWith(".f32")).length).toBe(4);
    first = a!.features.data.slice();
  });

  it("reads everything from the cache the second time", async () => {
    const [a] = await embedDataset(embedder, ds, { cacheDir, batchSize: 3, chunkSize: 4, progress: false });
    expect(a!.cachedFaces).toBe(14);
    expect(a!.features.data).toEqual(first);
  });

  it("resumes an interrupted run: only missing chunks are computed", async () => {
    const [a] = await embedDataset(embedder, ds, { cacheDir, batchSize: 3, chunkSize: 4, progress: false });
    rmSync(path.join(a!.cacheFolder!, "chunk-000002.f32"));
    writeFileSync(path.join(a!.cacheFolder!, "chunk-000003.f32"), new Uint8Array(10)); // a truncated chunk
    const [b] = await embedDataset(embedder, ds, { cacheDir, batchSize: 3, chunkSize: 4, progress: false });
    expect(b!.cachedFaces).toBe(8);
    for (let i = 0; i < first.length; i++) expect(b!.features.data[i]).toBeCloseTo(first[i]!, 4);
  });

  it("refuses a cache folder written for other data", async () => {
    const [a] = await embedDataset(embedder, ds, { cacheDir, batchSize: 3, chunkSize: 4, progress: false });
    writeFileSync(path.join(a!.cacheFolder!, "meta.json"), JSON.stringify({ fingerprint: "x" }));
    const err = await embedDataset(embedder, ds, { cacheDir, batchSize: 3, chunkSize: 4, progress: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddingError);
    expect((err as EmbeddingError).kind).toBe("bad-cache");
  });

  it("works without a cache and rejects unknown layers", async () => {
    const [a] = await embedDataset(embedder, ds, { cacheDir: false, batchSize: 8, progress: false });
    expect(a!.cacheFolder).toBeUndefined();
    expect(a!.features.data.length).toBe(14 * 64);
    await expect(embedDataset(embedder, ds, { layers: ["zzz"], cacheDir: false })).rejects.toMatchObject({ kind: "unknown-layer" });
  });
});
