import { describe, expect, it } from "vitest";
import { EMOTIONS } from "@fer/preprocess";
import { createHead, encodeLabels, headFromJSON, HeadError, HEAD_FORMAT_VERSION, Standardizer, toFeatureMatrix } from "../src/index.js";
import { decodeArray, encodeArray } from "../src/core/binary.js";
import { separableSlice } from "./helpers.js";

describe("feature validation", () => {
  it("accepts rows or a FeatureMatrix", () => {
    const m = toFeatureMatrix([
      [1, 2],
      [3, 4],
    ]);
    expect(m).toEqual({ rows: 2, cols: 2, data: Float32Array.from([1, 2, 3, 4]) });
    expect(toFeatureMatrix(m)).toBe(m);
  });

  it.each([
    ["empty", [], "bad-shape"],
    ["ragged", [[1, 2], [3]], "bad-shape"],
    ["NaN", [[1, Number.NaN]], "not-finite"],
    ["Infinity", [[Number.POSITIVE_INFINITY, 1]], "not-finite"],
    ["not numbers", [["a", 1]], "not-finite"],
  ])("rejects %s input with a typed error", (_name, x, kind) => {
    expect(() => toFeatureMatrix(x as number[][])).toThrowError(expect.objectContaining({ name: "HeadError", kind }));
  });

  it("names the offending position", () => {
    expect(() => toFeatureMatrix([[1, 2], [3, Number.NaN]])).toThrowError(/X\[1\]\[1\] is NaN/);
  });

  it("rejects a matrix whose data does not match rows x cols", () => {
    expect(() => toFeatureMatrix({ rows: 3, cols: 2, data: new Float32Array(5) })).toThrowError(expect.objectContaining({ kind: "bad-shape" }));
  });
});

describe("labels", () => {
  it("maps names and indices to the canonical EMOTIONS order", () => {
    expect(Array.from(encodeLabels(["angry", 3, "surprise"], EMOTIONS, 3))).toEqual([0, 3, 6]);
  });
  it.each([
    [["joy"], "unknown-label"],
    [[7], "unknown-label"],
    [[1.5], "unknown-label"],
    [[-1], "unknown-label"],
    [["happy", "sad"], "bad-shape"],
  ])("rejects %j", (y, kind) => {
    expect(() => encodeLabels(y, EMOTIONS, 1)).toThrowError(expect.objectContaining({ kind }));
  });
});

describe("parameters", () => {
  it("rejects unknown names and bad values before any training", () => {
    expect(() => createHead("knn", { neighbours: 5 })).toThrowError(expect.objectContaining({ kind: "bad-parameter" }));
    expect(() => createHead("knn", { k: 0 })).toThrowError(/k = 0 is invalid/);
    expect(() => createHead("knn", { weights: "inverse" })).toThrowError(expect.objectContaining({ kind: "bad-parameter" }));
    expect(() => createHead("svm", { gamma: "huge" })).toThrowError(expect.objectContaining({ kind: "bad-parameter" }));
    expect(() => createHead("random-forest", { maxDepth: 0 })).toThrowError(expect.objectContaining({ kind: "bad-parameter" }));
    expect(() => createHead("tree")).toThrowError(expect.objectContaining({ kind: "bad-parameter" }));
  });

  it("fills in defaults", () => {
    expect(createHead("random-forest").params).toMatchObject({ nEstimators: 100, maxDepth: null, bootstrap: true, maxFeatures: "sqrt", criterion: "gini" });
    expect(createHead("svm").params).toMatchObject({ kernel: "rbf", C: 1, gamma: "scale", probability: true });
  });
});

describe("standardisation", () => {
  it("is fitted with the head, saved with it, and maps constant features to 0", async () => {
    const s = Standardizer.fit({ rows: 3, cols: 2, data: Float32Array.from([1, 5, 2, 5, 3, 5]) });
    expect(Array.from(s.mean)).toEqual([2, 5]);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(s.scale[1]).toBe(1);
    const t = s.transform({ rows: 1, cols: 2, data: Float32Array.from([3, 5]) });
    expect(t.data[0]).toBeCloseTo(1 / Math.sqrt(2 / 3), 6);
    expect(t.data[1]).toBe(0);
    const { train } = await separableSlice();
    const h = await createHead("softmax").fit(train.features, train.labels);
    const saved = h.toJSON();
    expect(saved.scaler?.mean).toHaveLength(64);
    const rf = await createHead("random-forest", { nEstimators: 2, threads: 1 }).fit(train.features, train.labels);
    expect(rf.toJSON().scaler).toBeNull();
  });
});

describe("saved heads", () => {
  it("refuses a head saved by another format version, and malformed documents", async () => {
    const { train } = await separableSlice();
    const saved = (await createHead("softmax").fit(train.features, train.labels)).toJSON();
    await expect(headFromJSON({ ...saved, version: HEAD_FORMAT_VERSION + 1 })).rejects.toMatchObject({ kind: "version-mismatch" });
    await expect(headFromJSON({ ...saved, format: "other" })).rejects.toMatchObject({ kind: "bad-format" });
    await expect(headFromJSON({ ...saved, dim: 65 })).rejects.toMatchObject({ kind: "bad-format" });
    await expect(headFromJSON({ ...saved, params: { ...saved.params, l2: -1 } })).rejects.toMatchObject({ kind: "bad-format" });
    await expect(headFromJSON({ ...saved, kind: "knn" })).rejects.toMatchObject({ kind: "bad-format" });
    await expect(headFromJSON(null)).rejects.toBeInstanceOf(HeadError);
  });

  it("encodes typed arrays exactly and checks their length", () => {
    const a = Float64Array.from([Math.PI, -0, 1e-300]);
    const e = encodeArray(a);
    expect(decodeArray(e, "float64", "a")).toEqual(a);
    expect(() => decodeArray({ ...e, length: 4 }, "float64", "a")).toThrowError(expect.objectContaining({ kind: "bad-format" }));
    expect(() => decodeArray(e, "float32", "a")).toThrowError(expect.objectContaining({ kind: "bad-format" }));
  });

  it("cannot save an unfitted head", () => {
    expect(() => createHead("knn").toJSON()).toThrowError(expect.objectContaining({ kind: "not-fitted" }));
    expect(() => createHead("knn").predict([[1]])).toThrowError(expect.objectContaining({ kind: "not-fitted" }));
  });
});
