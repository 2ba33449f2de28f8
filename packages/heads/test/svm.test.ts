import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { BaggingSvmHead, headFromJSON, libsvmHeapBytes, resolveGamma, SvmHead } from "../src/index.js";
import { selectRows } from "../src/core/matrix.js";
import { loadLibsvm } from "../src/svm/libsvm.js";
import { importDist, separableSlice } from "./helpers.js";

describe("gamma", () => {
  it("resolves 'scale' and 'auto' with scikit-learn's meaning", () => {
    const x = { rows: 2, cols: 2, data: Float32Array.from([0, 2, 4, 6]) };
    // Var of all values {0,2,4,6} = 5 -> scale = 1 / (2 * 5); auto = 1 / 2.
    expect(resolveGamma("scale", x)).toBeCloseTo(0.1, 12);
    expect(resolveGamma("auto", x)).toBe(0.5);
    expect(resolveGamma(0.01, x)).toBe(0.01);
  });

  it("records the gamma actually used", async () => {
    const { train } = await separableSlice();
    const h = await new SvmHead({ gamma: "auto", probability: false }).fit(train.features, train.labels);
    expect(h.gammaValue).toBe(1 / 64);
    expect(h.supportVectors).toBeGreaterThan(10);
    h.dispose();
  });
});

describe("SVM WebAssembly memory", () => {
  it("is freed: repeated fit / load / dispose cycles (SVM and bagging) leave the allocator where it was", async () => {
    const { train, test } = await separableSlice();
    // The heap's size alone would not show a leak (it starts at 16 MB and only grows by doubling), so probe the
    // allocator: where a fresh 1 MB block lands. With every model freed it lands at the same address after each
    // cycle; a leaked model (~1 MB here) pushes it up every cycle.
    const build = process.env["FER_LIBSVM_BUILD"] === "asm" ? "asm" : "wasm";
    // loadLibsvm registers its (patched) runtime in require.cache: required afterwards, the probe sees the same heap.
    await loadLibsvm();
    const mod = createRequire(import.meta.url)(`libsvm-js/out/${build}/libsvm.js`) as { _malloc(n: number): number; _free(p: number): void };
    const probe = (): number => {
      const p = mod._malloc(1 << 20);
      mod._free(p);
      return p;
    };
    const sizes: number[] = [];
    const probes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const h = await new SvmHead({ C: 1, probability: false }).fit(train.features, train.labels);
      h.predict(test.features);
      const copy = await headFromJSON(h.toJSON());
      copy.dispose();
      h.dispose();
      const bag = await new BaggingSvmHead({ nEstimators: 2, maxSamples: 0.5, probability: false, threads: 1 }).fit(train.features, train.labels);
      const bagCopy = await headFromJSON(bag.toJSON());
      bagCopy.dispose();
      bag.dispose();
      sizes.push(libsvmHeapBytes());
      probes.push(probe());
    }
    expect(sizes[0]).toBeGreaterThan(0);
    expect(sizes[3]).toBe(sizes[1]);
    expect(probes[0]).toBeGreaterThan(0);
    expect(probes.slice(1)).toEqual([probes[0], probes[0], probes[0]]);
  });

  it("gives one-hot probabilities when trained without a probability model", async () => {
    const { train, test } = await separableSlice();
    const h = await new SvmHead({ probability: false }).fit(train.features, train.labels);
    const pred = h.predict(test.features);
    h.predictProba(test.features).forEach((row, i) => {
      expect(row[pred[i]!]).toBe(1);
      expect(row.reduce((s, v) => s + v, 0)).toBe(1);
    });
    h.dispose();
  });
});

describe("bagging SVM", () => {
  it("without probability models, gives the fraction of member SVMs voting for each class", async () => {
    const { train, test } = await separableSlice();
    const bag = await new BaggingSvmHead({ nEstimators: 3, maxSamples: 0.4, bootstrap: false, probability: false, threads: 1 }).fit(train.features, train.labels);
    const proba = bag.predictProba(test.features);
    for (const row of proba) {
      // Without probability models the members vote: fractions of 3.
      for (const v of row) expect([0, 1 / 3, 2 / 3, 1].some((f) => Math.abs(f - v) < 1e-12)).toBe(true);
    }
    expect(proba.some((r) => r.some((v) => Math.abs(v - 1 / 3) < 1e-12))).toBe(true);
    bag.dispose();
  });

  it("trains the same ensemble on 2 worker threads as on 1 (compiled build)", { timeout: 300_000 }, async () => {
    const dist = await importDist();
    const { train, test } = await separableSlice();
    const x = selectRows(train.features, Int32Array.from({ length: 400 }, (_, i) => i + 100));
    const y = Uint8Array.from({ length: 400 }, (_, i) => train.labels[i + 100]!);
    const one = await new dist.BaggingSvmHead({ nEstimators: 3, maxSamples: 0.5, probability: false, threads: 1 }).fit(x, y);
    const two = await new dist.BaggingSvmHead({ nEstimators: 3, maxSamples: 0.5, probability: false, threads: 2 }).fit(x, y);
    expect([one.fitThreads, two.fitThreads]).toEqual([1, 2]);
    expect(two.toJSON().model).toEqual(one.toJSON().model);
    expect(two.predictProba(test.features)).toEqual(one.predictProba(test.features));
    one.dispose();
    two.dispose();
  });
});
