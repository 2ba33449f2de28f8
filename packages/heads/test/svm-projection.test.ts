import { describe, expect, it } from "vitest";
import { BaggingSvmHead, headFromJSON, HeadError, SvmHead, type SavedHead } from "../src/index.js";
import { base64ToFloat32, float32ToBase64 } from "../src/core/float-codec.js";
import { Pca } from "../src/core/pca.js";
import { compactLibsvm, expandLibsvm } from "../src/svm/compact-libsvm.js";
import { Rng } from "../src/core/random.js";
import { agreement, separableSlice } from "./helpers.js";

/** n points whose 4 coordinates have standard deviations 3, 2, 1, 0.1, rotated into 6-d by a random orthonormal basis. */
function rotatedGaussian(n: number, seed: number): { x: { rows: number; cols: number; data: Float32Array }; basis: number[][] } {
  const rng = new Rng(seed);
  const rand = (): number => rng.next();
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const basis: number[][] = [];
  while (basis.length < 4) {
    const v = Array.from({ length: 6 }, normal);
    for (const b of basis) {
      const d = v.reduce((s, vi, i) => s + vi * b[i]!, 0);
      for (let i = 0; i < 6; i++) v[i]! -= d * b[i]!;
    }
    const norm = Math.hypot(...v);
    basis.push(v.map((vi) => vi / norm));
  }
  const sd = [3, 2, 1, 0.1];
  const data = new Float32Array(n * 6);
  for (let r = 0; r < n; r++) {
    const z = sd.map((s) => s * normal());
    for (let i = 0; i < 6; i++) data[r * 6 + i] = 5 + z.reduce((s, zk, k) => s + zk * basis[k]![i]!, 0);
  }
  return { x: { rows: n, cols: 6, data }, basis };
}

describe("principal component projection", () => {
  it("finds the axes of largest variance, in order, and keeps their share of the variance", () => {
    const { x, basis } = rotatedGaussian(4000, 7);
    const pca = Pca.fit(x, 2);
    // Variances 9, 4, 1, 0.01: two components keep 13 / 14.01 of the total.
    expect(pca.explainedVariance).toBeCloseTo(13 / 14.01, 1);
    for (let c = 0; c < 2; c++) {
      const axis = Array.from(pca.axes.subarray(c * 6, (c + 1) * 6));
      expect(Math.hypot(...axis)).toBeCloseTo(1, 5);
      const cosine = Math.abs(axis.reduce((s, a, i) => s + a * basis[c]![i]!, 0));
      expect(cosine).toBeGreaterThan(0.99);
    }
    const projected = pca.transform(x);
    expect(projected.cols).toBe(2);
    let mean0 = 0;
    let var0 = 0;
    for (let r = 0; r < x.rows; r++) mean0 += projected.data[r * 2]!;
    mean0 /= x.rows;
    for (let r = 0; r < x.rows; r++) var0 += (projected.data[r * 2]! - mean0) ** 2;
    expect(Math.abs(mean0)).toBeLessThan(0.01);
    expect(Math.sqrt(var0 / x.rows)).toBeCloseTo(3, 0);
  });

  it("keeps distances when the dropped components hold no variance, and saves and restores exactly", () => {
    const { x } = rotatedGaussian(500, 3);
    const pca = Pca.fit(x, 4);
    const p = pca.transform(x);
    const dist = (m: { cols: number; data: Float32Array }, a: number, b: number): number => {
      let s = 0;
      for (let j = 0; j < m.cols; j++) s += (m.data[a * m.cols + j]! - m.data[b * m.cols + j]!) ** 2;
      return Math.sqrt(s);
    };
    for (const [a, b] of [[0, 1], [10, 400], [77, 78]] as const) expect(dist(p, a, b)).toBeCloseTo(dist(x, a, b), 3);
    const back = Pca.fromJSON(JSON.parse(JSON.stringify(pca.toJSON())), 6);
    expect(Array.from(back.transform(x).data)).toEqual(Array.from(p.data));
    expect(() => Pca.fromJSON(pca.toJSON(), 5)).toThrow(HeadError);
    expect(() => Pca.fit(x, 7)).toThrow(/components must be an integer in \[1, 6\]/);
  });
});

describe("float32 base64", () => {
  it("round-trips exactly and refuses a wrong count, bad characters and non-finite values", () => {
    const values = Float32Array.from([0, -1.5, 3.4028234663852886e38, 1e-45, Math.PI, -0]);
    for (let n = 0; n <= values.length; n++) {
      const part = values.subarray(0, n);
      expect(Array.from(base64ToFloat32(float32ToBase64(part), n, "v"))).toEqual(Array.from(part));
    }
    expect(float32ToBase64(Float32Array.of(1))).toBe(Buffer.from(Float32Array.of(1).buffer).toString("base64"));
    expect(() => base64ToFloat32(float32ToBase64(values), 5, "v")).toThrow(/expected 5 float32 values, found 6/);
    expect(() => base64ToFloat32("AAA*", 1, "v")).toThrow(/not base64/);
    expect(() => base64ToFloat32(float32ToBase64([Number.NaN]), 1, "v")).toThrow(/not finite/);
  });
});

describe("SVM with a projection, saved compactly", () => {
  it("classifies real faces about as well on 16 principal components as on all 64 features, and reloads unchanged", { timeout: 120_000 }, async () => {
    const { train, test } = await separableSlice();
    const full = await new SvmHead({ C: 10, probability: false }).fit(train.features, train.labels);
    const projected = await new SvmHead({ C: 10, probability: false, components: 16 }).fit(train.features, train.labels);
    const acc = (h: SvmHead): number => agreement(h.predict(test.features), test.labels);
    expect(acc(full)).toBeGreaterThan(0.75);
    expect(acc(projected)).toBeGreaterThan(acc(full) - 0.03);
    expect(projected.explainedVariance).toBeGreaterThan(0.5);
    expect(projected.explainedVariance).toBeLessThan(1);
    expect(projected.describe().summary).toMatch(/first 16 principal components/);

    const savedFull = JSON.stringify(full.toJSON());
    const savedProjected = JSON.stringify(projected.toJSON());
    // Binary support vectors: the saved model is smaller than libsvm's text of the same model.
    expect(savedFull.length).toBeLessThan(full.libsvmText.length);
    expect(savedProjected.length).toBeLessThan(savedFull.length / 2);
    for (const [head, text] of [[full, savedFull], [projected, savedProjected]] as const) {
      const back = await headFromJSON(JSON.parse(text));
      expect(back.predict(test.features)).toEqual(head.predict(test.features));
      back.dispose();
    }
    full.dispose();
    projected.dispose();
  });

  it("keeps support vectors as 16- or 8-bit codes: smaller, the same answers at 16 bits, unchanged by a reload", { timeout: 120_000 }, async () => {
    const { train, test } = await separableSlice();
    const make = (vectorBits: 32 | 16 | 8): Promise<SvmHead> => new SvmHead({ C: 10, probability: false, components: 16, vectorBits }).fit(train.features, train.labels);
    const exact = await make(32);
    const wide = await make(16);
    const narrow = await make(8);
    expect(wide.predict(test.features)).toEqual(exact.predict(test.features));
    // 256 levels move some faces near the boundary of this C = 10 SVM (measured: 94 % of test answers unchanged).
    expect(agreement(narrow.predict(test.features), exact.predict(test.features))).toBeGreaterThan(0.9);
    const vectorBytes = (h: SvmHead): number => JSON.stringify((h.toJSON().model as { compact: { vectors: unknown } }).compact.vectors).length;
    expect(vectorBytes(wide)).toBeLessThan(vectorBytes(exact) * 0.55);
    expect(vectorBytes(narrow)).toBeLessThan(vectorBytes(exact) * 0.3);
    expect(narrow.describe().summary).toMatch(/8-bit codes/);
    for (const h of [wide, narrow]) {
      const saved = JSON.parse(JSON.stringify(h.toJSON())) as SavedHead;
      const back = await headFromJSON(saved);
      expect(back.predict(test.features)).toEqual(h.predict(test.features));
      back.dispose();
      await expect(headFromJSON({ ...saved, params: { ...saved.params, vectorBits: 32 } })).rejects.toThrow(/vectorBits does not match/);
    }
    for (const h of [exact, wide, narrow]) h.dispose();
  });

  it("still loads a head saved with libsvm's text model, and refuses inconsistent ones", { timeout: 60_000 }, async () => {
    const { train, test } = await separableSlice();
    const head = await new SvmHead({ C: 1, probability: false }).fit(train.features, train.labels);
    const saved = head.toJSON();
    const { compact: _c, pca: _p, ...rest } = saved.model as Record<string, unknown>;
    const legacy: SavedHead = { ...saved, model: { ...rest, libsvm: head.libsvmText } };
    const back = await headFromJSON(JSON.parse(JSON.stringify(legacy)));
    expect(back.predict(test.features)).toEqual(head.predict(test.features));
    back.dispose();

    await expect(headFromJSON({ ...saved, params: { ...saved.params, components: 8 } })).rejects.toThrow(/components does not match/);
    const model = saved.model as { compact: { vectors: string } };
    const truncated = { ...saved, model: { ...model, compact: { ...model.compact, vectors: model.compact.vectors.slice(0, -8) } } };
    await expect(headFromJSON(truncated)).rejects.toThrow(HeadError);
    await expect(new SvmHead({ components: 65 }).fit(train.features, train.labels)).rejects.toThrow(/components = 65 exceeds the feature dimension 64/);
    head.dispose();
  });

  it("expands to libsvm text that a compact round trip leaves unchanged", async () => {
    const { train } = await separableSlice();
    const head = await new SvmHead({ C: 1, probability: true }).fit(train.features, train.labels);
    const text = head.libsvmText;
    expect(text).toMatch(/\nprobA /);
    expect(expandLibsvm(compactLibsvm(text, 64), 64)).toBe(text);
    expect(() => compactLibsvm(text.replace(/ 3:/, " 99:"), 64)).toThrow(/outside 1\.\.64/);
    head.dispose();
  });
});

describe("bagged SVMs, saved compactly", () => {
  it("save each member's support vectors in binary and still load members saved as libsvm text", { timeout: 120_000 }, async () => {
    const { train, test } = await separableSlice();
    const bag = await new BaggingSvmHead({ nEstimators: 2, maxSamples: 0.5, probability: false, threads: 1 }).fit(train.features, train.labels);
    const saved = bag.toJSON();
    const members = (saved.model as { members: { gamma: number; supportVectors: number; compact: unknown }[] }).members;
    expect(members.map((m) => Object.keys(m).sort())).toEqual([
      ["compact", "gamma", "supportVectors"],
      ["compact", "gamma", "supportVectors"],
    ]);
    const back = await headFromJSON(JSON.parse(JSON.stringify(saved)));
    expect(back.predict(test.features)).toEqual(bag.predict(test.features));
    const legacy = { ...saved, model: { members: members.map((m) => ({ gamma: m.gamma, supportVectors: m.supportVectors, libsvm: expandLibsvm(m.compact, 64) })) } };
    const old = await headFromJSON(JSON.parse(JSON.stringify(legacy)));
    expect(old.predict(test.features)).toEqual(bag.predict(test.features));
    await expect(headFromJSON({ ...saved, model: { members: [members[0], { gamma: 1 }] } })).rejects.toThrow(/no saved model/);
    for (const h of [bag, back, old]) h.dispose();
  });
});
