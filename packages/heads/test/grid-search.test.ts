import { describe, expect, it } from "vitest";
import { expandGrid, formatGridTable, gridSearch, stratifiedKFold, type ProgressSinkLike } from "./grid-helpers.js";
import { separableSlice } from "./helpers.js";

describe("stratified splits", () => {
  const labels = Uint8Array.from({ length: 100 }, (_, i) => (i < 70 ? 3 : i < 90 ? 6 : 1));

  it("k-fold: every sample is tested exactly once and each fold keeps the class proportions", () => {
    const splits = stratifiedKFold(labels, 5, 1);
    const seen = new Int32Array(100);
    for (const s of splits) {
      expect(s.train.length + s.test.length).toBe(100);
      for (const i of s.test) seen[i]! += 1;
      const count = (c: number) => Array.from(s.test).filter((i) => labels[i] === c).length;
      expect([count(3), count(6), count(1)]).toEqual([14, 4, 2]);
    }
    expect(Array.from(seen).every((v) => v === 1)).toBe(true);
    expect(stratifiedKFold(labels, 5, 1)).toEqual(splits);
    expect(stratifiedKFold(labels, 5, 2)).not.toEqual(splits);
  });
});

describe("grid search", () => {
  it("expands every combination", () => {
    expect(expandGrid({ k: [1, 5], weights: ["uniform", "distance"] })).toEqual([
      { k: 1, weights: "uniform" },
      { k: 1, weights: "distance" },
      { k: 5, weights: "uniform" },
      { k: 5, weights: "distance" },
    ]);
  });

  it("cross-validates each combination, ranks them and reports progress", async () => {
    const { train } = await separableSlice();
    const updates: number[] = [];
    let ended = false;
    const sink: ProgressSinkLike = { update: (d) => updates.push(d), end: () => (ended = true) };
    const result = await gridSearch(train.features, train.labels, { kind: "knn", grid: { k: [1, 25], weights: ["uniform", "distance"] }, folds: 3, progress: sink, refit: true });
    expect(result.rows).toHaveLength(4);
    for (const r of result.rows) {
      expect(r.foldScores).toHaveLength(3);
      expect(r.meanScore).toBeCloseTo(r.foldScores.reduce((a, b) => a + b, 0) / 3, 12);
      expect(r.meanScore).toBeGreaterThan(0.55);
    }
    const best = result.rows.find((r) => r.rank === 1)!;
    expect(result.bestParams).toEqual(best.params);
    for (const r of result.rows) expect(r.meanScore).toBeLessThanOrEqual(best.meanScore);
    // 1 neighbour is noisier than 25 on pooled pixels.
    expect(best.params["k"]).toBe(25);
    expect(result.bestHead?.params).toMatchObject(result.bestParams);
    expect(Math.max(...updates)).toBe(12);
    expect(ended).toBe(true);
    expect(formatGridTable(result).split("\n")).toHaveLength(5);
  });

  it("fails fast on a bad grid value, before training anything", async () => {
    const { train } = await separableSlice();
    await expect(gridSearch(train.features, train.labels, { kind: "knn", grid: { k: [5, -1] }, progress: false })).rejects.toMatchObject({ kind: "bad-parameter" });
    await expect(gridSearch(train.features, train.labels, { kind: "knn", grid: { k: [] }, progress: false })).rejects.toMatchObject({ kind: "bad-parameter" });
  });
});
