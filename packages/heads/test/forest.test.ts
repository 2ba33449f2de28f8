import { beforeAll, describe, expect, it } from "vitest";
import { headFromJSON, RandomForestHead } from "../src/index.js";
import { binColumns, binOf, fitThresholds } from "../src/forest/binning.js";
import type { FeatureSet } from "../src/node/features-file.js";
import { importDist, separableSlice } from "./helpers.js";

let train: FeatureSet;
let test: FeatureSet;
beforeAll(async () => {
  ({ train, test } = await separableSlice());
});

describe("random forest", () => {
  it("gives probabilities equal to the trees' vote fractions when leaves are pure (no tree's vote is dropped)", async () => {
    // Pure leaves: split down to single samples. ml-random-forest 2.1.0 fails this: it skips the first tree's vote.
    const head = await new RandomForestHead({ nEstimators: 7, minSamplesSplit: 2, minSamplesLeaf: 1, threads: 1, seed: 3 }).fit(train.features, train.labels);
    const votes = head.treeVotes(test.features);
    const proba = head.predictProba(test.features);
    let mixed = 0;
    votes.forEach((v, i) => {
      expect(v).toHaveLength(7);
      const counts = new Array<number>(7).fill(0);
      for (const c of v) counts[c]! += 1;
      if (counts[3]! > 0 && counts[6]! > 0) mixed++;
      for (let c = 0; c < 7; c++) expect(proba[i]![c]).toBeCloseTo(counts[c]! / 7, 12);
    });
    expect(mixed).toBeGreaterThan(10); // the check covered faces on which the trees disagree
  });

  it("is reproducible from its seed and changes with it", async () => {
    const a = await new RandomForestHead({ nEstimators: 10, seed: 1, threads: 1 }).fit(train.features, train.labels);
    const b = await new RandomForestHead({ nEstimators: 10, seed: 1, threads: 1 }).fit(train.features, train.labels);
    const c = await new RandomForestHead({ nEstimators: 10, seed: 2, threads: 1 }).fit(train.features, train.labels);
    expect(b.predictProba(test.features)).toEqual(a.predictProba(test.features));
    expect(c.predictProba(test.features)).not.toEqual(a.predictProba(test.features));
  });

  it("respects maxDepth, minSamplesLeaf and bootstrap = false (the study's settings)", async () => {
    const shallow = await new RandomForestHead({ nEstimators: 5, maxDepth: 2, threads: 1 }).fit(train.features, train.labels);
    expect(shallow.size.nodes).toBeLessThanOrEqual(5 * 7); // a depth-2 binary tree has at most 7 nodes
    const study = await new RandomForestHead({ nEstimators: 3, bootstrap: false, minSamplesSplit: 5, minSamplesLeaf: 3, threads: 1 }).fit(train.features, train.labels);
    const saved = study.toJSON().model as { leafCounts: { base64: string; dtype: string } };
    const counts = new Uint8Array(Buffer.from(saved.leafCounts.base64, "base64"));
    expect(saved.leafCounts.dtype).toBe("uint8");
    for (let l = 0; l < counts.length / 7; l++) {
      let n = 0;
      for (let c = 0; c < 7; c++) n += counts[l * 7 + c]!;
      expect(n).toBeGreaterThanOrEqual(3);
    }
    // Without bootstrap every tree sees all 600 training faces: the leaves of one tree hold them all.
    expect(Array.from(counts).reduce((a, b) => a + b, 0)).toBe(3 * 600);
  });

  it("rejects a saved forest whose tree structure was tampered with", async () => {
    const head = await new RandomForestHead({ nEstimators: 2, threads: 1 }).fit(train.features, train.labels);
    const json = head.toJSON() as unknown as { model: { rightOffset: { base64: string; dtype: string; length: number } } };
    expect(json.model.rightOffset.dtype).toBe("uint16");
    const off = new Uint16Array(Uint8Array.from(Buffer.from(json.model.rightOffset.base64, "base64")).buffer);
    off[0] = 60000;
    json.model.rightOffset.base64 = Buffer.from(off.buffer).toString("base64");
    await expect(headFromJSON(json)).rejects.toMatchObject({ kind: "bad-format" });
  });
});

describe("binning", () => {
  it("sends a value left exactly when it is <= the threshold of its bin boundary", () => {
    const x = { rows: train.features.rows, cols: 64, data: train.features.data };
    const th = fitThresholds(x, 16);
    const binned = binColumns(x, th);
    for (let f = 0; f < 64; f += 9) {
      expect(th[f]!.length).toBeLessThanOrEqual(15);
      for (let i = 0; i < x.rows; i += 7) {
        const v = x.data[i * 64 + f]!;
        const b = binned[f * x.rows + i]!;
        expect(b).toBe(binOf(th[f]!, v));
        if (b < th[f]!.length) expect(v).toBeLessThanOrEqual(th[f]![b]!);
        if (b > 0) expect(v).toBeGreaterThan(th[f]![b - 1]!);
      }
    }
  });

  it("uses one threshold between each pair of distinct values when there are few (exact CART)", () => {
    const x = { rows: 6, cols: 1, data: Float32Array.from([3, 1, 2, 2, 1, 5]) };
    expect(Array.from(fitThresholds(x, 256)[0]!)).toEqual([1.5, 2.5, 4]);
  });
});

describe("random forest without worker threads", () => {
  it("from the TypeScript sources (no compiled worker script), 2 threads fall back to 1 and say so", async () => {
    const warnings: Error[] = [];
    const listen = (w: Error): number => warnings.push(w);
    process.on("warning", listen);
    try {
      const head = await new RandomForestHead({ nEstimators: 4, threads: 2, seed: 5 }).fit(train.features, train.labels);
      expect(head.fitThreads).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => (w as Error & { code?: string }).code)).toContain("FER_HEADS_NO_WORKERS");
      expect(warnings.find((w) => (w as Error & { code?: string }).code === "FER_HEADS_NO_WORKERS")?.message).toMatch(/forest-worker\.js is missing/);
    } finally {
      process.off("warning", listen);
    }
  });
});

describe("random forest in worker threads (compiled build)", () => {
  it("grows the same forest on 2 threads as on 1", async () => {
    const dist = await importDist();
    const one = await new dist.RandomForestHead({ nEstimators: 12, threads: 1, seed: 5 }).fit(train.features, train.labels);
    let progress = 0;
    const two = await new dist.RandomForestHead({ nEstimators: 12, threads: 2, seed: 5 }).fit(train.features, train.labels, { onProgress: (d) => (progress = d) });
    expect(progress).toBe(12);
    // Two worker threads really grew it (a missing worker script falls back to one thread, and says so).
    expect([one.fitThreads, two.fitThreads]).toEqual([1, 2]);
    expect(JSON.stringify(two.toJSON().model)).toBe(JSON.stringify(one.toJSON().model));
  });
});
