import { describe, expect, it } from "vitest";
import { KnnHead } from "../src/index.js";
import { kNearest, type KnnMetric } from "../src/knn/neighbours.js";
import { separableSlice } from "./helpers.js";

function naiveDistance(a: Float32Array, b: Float32Array, metric: KnnMetric, p: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    s += metric === "manhattan" ? d : metric === "euclidean" ? d * d : d ** p;
  }
  return metric === "manhattan" ? s : metric === "euclidean" ? Math.sqrt(s) : s ** (1 / p);
}

describe("exact k-nearest-neighbour search", () => {
  it.each([
    ["euclidean", 2],
    ["manhattan", 1],
    ["minkowski", 3],
    ["minkowski", 2],
  ] as const)("finds the same neighbours as a naive sort (%s, p=%d) on real features", async (metric, p) => {
    const { train, test } = await separableSlice();
    const q = { rows: 13, cols: 64, data: test.features.data.slice(0, 13 * 64) };
    const k = 9;
    const nb = kNearest(train.features, null, q, k, metric, p);
    for (let i = 0; i < q.rows; i++) {
      const qi = q.data.subarray(i * 64, (i + 1) * 64);
      const all = Array.from({ length: train.features.rows }, (_, j) => ({ j, d: naiveDistance(qi, train.features.data.subarray(j * 64, (j + 1) * 64), metric, p) }));
      all.sort((a, b) => a.d - b.d || a.j - b.j);
      for (let h = 0; h < k; h++) {
        expect(nb.distance[i * k + h]).toBeCloseTo(all[h]!.d, 9);
      }
      expect(new Set(nb.index.subarray(i * k, (i + 1) * k))).toEqual(new Set(all.slice(0, k).map((a) => a.j)));
    }
  });
});

describe("kNN head votes", () => {
  const X = [[0], [1], [3], [10]];
  const y = [0, 0, 1, 1];
  const classes = ["a", "b"];

  it("uniform: probabilities are the neighbours' class fractions", async () => {
    const h = await new KnnHead({ k: 3, standardize: false }).fit(X, y, { classes });
    expect(h.predictProba([[0.9]])[0]).toEqual([2 / 3, 1 / 3]);
  });

  it("distance: each neighbour votes 1/distance", async () => {
    const h = await new KnnHead({ k: 3, weights: "distance", standardize: false }).fit(X, y, { classes });
    const [pa, pb] = h.predictProba([[2]])[0]!;
    const wa = 1 / 2 + 1 / 1;
    const wb = 1 / 1;
    expect(pa).toBeCloseTo(wa / (wa + wb), 12);
    expect(pb).toBeCloseTo(wb / (wa + wb), 12);
    // At x=6 with k=4 the uniform vote ties 2-2 (lowest class wins: a) but distance weights give b 1/3+1/4 > a 1/5+1/6.
    const uniform = await new KnnHead({ k: 4, standardize: false }).fit(X, y, { classes });
    const weighted = await new KnnHead({ k: 4, weights: "distance", standardize: false }).fit(X, y, { classes });
    expect(uniform.predict([[6]])).toEqual([0]);
    expect(weighted.predict([[6]])).toEqual([1]);
  });

  it("distance: a neighbour at distance 0 takes all the weight", async () => {
    const h = await new KnnHead({ k: 3, weights: "distance", standardize: false }).fit(X, y, { classes });
    expect(h.predictProba([[3]])[0]).toEqual([0, 1]);
  });

  it("rejects k larger than the training set", async () => {
    await expect(new KnnHead({ k: 5 }).fit(X, y, { classes })).rejects.toMatchObject({ kind: "bad-parameter" });
  });
});
