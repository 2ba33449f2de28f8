import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaceDataset } from "@fer/preprocess";
// The worker threads load compiled JavaScript, so this test runs the built package.
import { trainCnn } from "../dist/train-entry.js";
import { seededRandom } from "@fer/preprocess";

let work: string;
const size = 48;

/** A learnable synthetic task: class c has a bright square at position c. */
function squares(count: number): FaceDataset {
  const rand = seededRandom(11);
  const pixels = new Uint8Array(count * size * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % 7;
    labels[i] = c;
    for (let p = 0; p < size * size; p++) pixels[i * size * size + p] = Math.floor(rand() * 60);
    for (let yy = 4; yy < 12; yy++) for (let xx = 0; xx < 8; xx++) pixels[i * size * size + yy * size + c * 6 + xx] = 230;
  }
  return { size, count, pixels, labels, classes: ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"], ids: Array.from({ length: count }, (_, i) => `synthetic:${i}`) };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "fer-cnn-dp-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("data-parallel training", () => {
  it("with 2 workers gives the same epochs as 1 worker, up to float rounding", async () => {
    const data = squares(140);
    // Data parallelism is the tfjs engine's way of using several cores.
    const base = { architecture: "A" as const, epochs: 2, batchSize: 20, mirror: false, progress: false, seed: 9, engine: "tfjs" as const };
    const one = await trainCnn(data, { ...base, outDir: join(work, "one"), workers: 1 });
    const two = await trainCnn(data, { ...base, outDir: join(work, "two"), workers: 2 });
    for (let e = 0; e < 2; e++) {
      expect(two.log[e]!.loss).toBeCloseTo(one.log[e]!.loss, 3);
    }
    expect(two.log[1]!.loss).toBeLessThan(two.log[0]!.loss);
  });

  it("workers take the cross-entropy where the main thread does (from the logits here)", async () => {
    const data = squares(140);
    const base = { architecture: "A" as const, epochs: 2, batchSize: 20, mirror: false, progress: false, seed: 9, engine: "tfjs" as const, pixelScale: "raw" as const };
    const one = await trainCnn(data, { ...base, crossEntropy: "logits", outDir: join(work, "logits-one"), workers: 1 });
    const two = await trainCnn(data, { ...base, crossEntropy: "logits", outDir: join(work, "logits-two"), workers: 2 });
    const clipped = await trainCnn(data, { ...base, outDir: join(work, "clipped-two"), workers: 2 });
    for (let e = 0; e < 2; e++) expect(two.log[e]!.loss).toBeCloseTo(one.log[e]!.loss, 3);
    // Raw 0..255 inputs saturate A's first softmax outputs: the two losses part at once.
    expect(Math.abs(two.log[1]!.loss - clipped.log[1]!.loss)).toBeGreaterThan(1e-2);
    expect(two.card?.training.crossEntropy).toBe("logits");
    expect(clipped.card?.training.crossEntropy).toBeUndefined();
  });
});
