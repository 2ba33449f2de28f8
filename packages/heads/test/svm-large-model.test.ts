// In its own file so that it runs in a fresh process: whether libsvm-js's loader corrupts a model depends on where
// that model sits in the WebAssembly heap, i.e. on the allocation history.
import { describe, expect, it } from "vitest";
import { headFromJSON, SvmHead } from "../src/index.js";
import { loadPooledPixels } from "../src/bench/pooled-pixels.js";
import { loadLibsvm } from "../src/svm/libsvm.js";

describe("loading a large SVM", () => {
  it("does not corrupt the models already in the heap (libsvm-js's own SVM.load does)", { timeout: 300_000 }, async () => {
    // 1,050 faces of 7 classes pooled to 12x12 = 144-d with C = 0.1: nearly every face becomes a support vector and
    // the model text (2.2 MB) is larger than the 1.31 MB that emscripten's 5 MB stack holds at 4 bytes per character.
    const train = await loadPooledPixels("train", { perClass: 150, grid: 12 });
    const test = await loadPooledPixels("test", { perClass: 30, grid: 12 });
    const a = await new SvmHead({ C: 0.1, gamma: 0.01, probability: false }).fit(train.features, train.labels);
    const saved = a.toJSON();
    const text = a.libsvmText;
    expect(text.length).toBeGreaterThan(2_000_000);
    const before = a.predict(test.features);

    const b = await headFromJSON(JSON.parse(JSON.stringify(saved)));
    expect(a.predict(test.features)).toEqual(before);
    expect(b.predict(test.features)).toEqual(before);

    // Control: the same load through libsvm-js's SVM.load() changes model a, so this setup does detect the problem.
    const { SVM } = await loadLibsvm();
    const c = SVM.load(text);
    const after = a.predict(test.features);
    expect(after.filter((v, i) => v !== before[i]).length).toBeGreaterThan(0);
    c.free();
    a.dispose();
    b.dispose();
  });
});
