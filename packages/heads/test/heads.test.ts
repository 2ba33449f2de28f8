import { beforeAll, describe, expect, it } from "vitest";
import { createHead, headFromJSON, HeadError, type Head, type HeadKind } from "../src/index.js";
import type { ParamValue } from "../src/core/params.js";
import type { FeatureSet } from "../src/node/features-file.js";
import { agreement, separableSlice } from "./helpers.js";

/** Every trainable head, small settings so the whole file runs in seconds. */
const CASES: { kind: HeadKind; params: Record<string, ParamValue>; argmaxIsPredict: boolean }[] = [
  { kind: "softmax", params: {}, argmaxIsPredict: true },
  { kind: "svm", params: { C: 1 }, argmaxIsPredict: false },
  { kind: "knn", params: { k: 15, weights: "distance" }, argmaxIsPredict: true },
  { kind: "random-forest", params: { nEstimators: 40, minSamplesLeaf: 2, threads: 1 }, argmaxIsPredict: true },
  { kind: "bagging-svm", params: { nEstimators: 4, maxSamples: 0.5, threads: 1 }, argmaxIsPredict: true },
];

let train: FeatureSet;
let test: FeatureSet;
beforeAll(async () => {
  ({ train, test } = await separableSlice());
});

describe.each(CASES)("$kind head on real features (happy vs surprise, 8x8 pooled FER2013)", ({ kind, params, argmaxIsPredict }) => {
  let head: Head;
  beforeAll(async () => {
    head = createHead(kind, params);
    await head.fit(train.features, train.labels);
  });

  it("beats chance (50%) by a clear margin on held-out test faces", () => {
    const acc = agreement(head.predict(test.features), test.labels);
    expect(acc).toBeGreaterThan(0.65);
  });

  it("gives per-class probabilities that are >= 0 and sum to 1, one column per class", () => {
    const proba = head.predictProba(test.features);
    expect(proba).toHaveLength(test.features.rows);
    for (const row of proba) {
      expect(row).toHaveLength(7);
      for (const p of row) expect(p).toBeGreaterThanOrEqual(0);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
    // Probability mass lands on the two classes present in training (3 = happy, 6 = surprise).
    const massOnSeen = proba.reduce((s, r) => s + r[3]! + r[6]!, 0) / proba.length;
    expect(massOnSeen).toBeGreaterThan(0.9);
    if (argmaxIsPredict) {
      const argmax = proba.map((r) => r.indexOf(Math.max(...r)));
      expect(argmax).toEqual(head.predict(test.features));
    }
  });

  it("round-trips through JSON with identical predictions and probabilities", async () => {
    const text = JSON.stringify(head.toJSON());
    const copy = await headFromJSON(JSON.parse(text));
    try {
      expect(copy.kind).toBe(kind);
      expect(copy.params).toEqual(head.params);
      expect(copy.predict(test.features)).toEqual(head.predict(test.features));
      expect(copy.predictProba(test.features)).toEqual(head.predictProba(test.features));
      // The original still predicts the same after the copy was loaded next to it.
      expect(head.predict(test.features)).toEqual(copy.predict(test.features));
    } finally {
      copy.dispose();
    }
  });

  it("rejects a wrong feature dimension at predict time", () => {
    const bad = { rows: 2, cols: 63, data: new Float32Array(126) };
    expect(() => head.predict(bad)).toThrowError(expect.objectContaining({ kind: "wrong-dimension" }));
  });

  it("keeps its previous model when a fit fails on bad input", async () => {
    const before = head.predict(test.features);
    const nan = Float32Array.from(train.features.data);
    nan[5 * 64 + 7] = Number.NaN;
    await expect(head.fit({ rows: train.features.rows, cols: 64, data: nan }, train.labels)).rejects.toMatchObject({ kind: "not-finite" });
    await expect(head.fit(train.features, Array.from(train.labels).slice(1))).rejects.toMatchObject({ kind: "bad-shape" });
    await expect(head.fit(train.features, Array.from(train.labels, (l) => (l === 3 ? "happy" : "suprise")))).rejects.toMatchObject({ kind: "unknown-label" });
    expect(head.predict(test.features)).toEqual(before);
  });

  it("describes its parameters and how it computes probabilities", () => {
    const d = head.describe();
    expect(d.kind).toBe(kind);
    expect(d.probabilities.length).toBeGreaterThan(20);
    for (const name of Object.keys(params)) expect(d.params.find((p) => p.name === name)?.value).toEqual(params[name]);
    for (const p of d.params) expect(p.description.length).toBeGreaterThan(10);
  });

  it("refuses use after dispose", async () => {
    const h = createHead(kind, params);
    await h.fit(train.features, train.labels);
    expect(h.predict(test.features)).toHaveLength(test.features.rows);
    h.dispose();
    h.dispose();
    for (const use of [() => h.predict(test.features), () => h.predictProba(test.features)]) {
      expect(use).toThrowError(HeadError);
      expect(use).toThrowError(expect.objectContaining({ kind: "disposed" }));
    }
  });
});

describe("class names as labels", () => {
  it("accepts emotion names and indices alike", async () => {
    const names = Array.from(train.labels, (l) => (l === 3 ? "happy" : "surprise"));
    const a = await createHead("softmax").fit(train.features, names);
    const b = await createHead("softmax").fit(train.features, train.labels);
    expect(a.predictProba(test.features)).toEqual(b.predictProba(test.features));
  });

  it("can use another class list", async () => {
    const y = Array.from(train.labels, (l) => (l === 3 ? "pos" : "neg"));
    const h = await createHead("knn", { k: 5 }).fit(train.features, y, { classes: ["neg", "pos"] });
    expect(h.classes).toEqual(["neg", "pos"]);
    const acc = agreement(h.predict(test.features), Array.from(test.labels, (l) => (l === 3 ? 1 : 0)));
    expect(acc).toBeGreaterThan(0.65);
  });
});
