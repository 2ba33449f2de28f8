import { describe, expect, it } from "vitest";
import { SvmHead } from "../src/index.js";
import { base64ToFloat32 } from "../src/core/float-codec.js";
import { compactLibsvm } from "../src/svm/compact-libsvm.js";
import { loadLibsvm } from "../src/svm/libsvm.js";
import { MEMFS_REGULAR_ARRAY_CLAUSE, patchGlueSource } from "../src/svm/libsvm-glue.js";
import { separableSlice } from "./helpers.js";

/** Runs the synchronous `f` and reports the length of the longest array that Array.prototype.push grew meanwhile. */
function longestPushedArray<T>(f: () => T): { result: T; longest: number } {
  const push = Array.prototype.push;
  let longest = 0;
  Array.prototype.push = function (this: unknown[], ...items: unknown[]): number {
    const n = push.apply(this, items);
    if (n > longest) longest = n;
    return n;
  };
  try {
    return { result: f(), longest };
  } finally {
    Array.prototype.push = push;
  }
}

describe("serialising an SVM", () => {
  // libsvm-js's serializeModel() used to pass the text through a JavaScript array of one element per byte: V8 aborts
  // the process when such an array passes 112,813,858 elements (a 25,836-face, 512-d RBF SVM did). Small models
  // show the same mechanism: the longest pushed array was exactly the text's length.
  it("grows no JavaScript array with the model text, and gives the same model back", async () => {
    const { train } = await separableSlice();
    const head = await new SvmHead({ C: 1, probability: false }).fit(train.features, train.labels);
    const text = head.libsvmText;
    expect(text.length).toBeGreaterThan(50_000);
    const lib = await loadLibsvm();
    const svm = lib.deserialize(text);
    const { result, longest } = longestPushedArray(() => svm.serializeModel());
    svm.free();
    head.dispose();
    // libsvm prints numbers its own way (8 significant digits): the model it gives back holds the same values.
    const [a, b] = [compactLibsvm(result, 64), compactLibsvm(text, 64)];
    expect(a.header).toBe(b.header);
    const n = a.supportVectors * 64;
    const [va, vb] = [base64ToFloat32(a.vectors, n, "a"), base64ToFloat32(b.vectors, n, "b")];
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(va[i]! - vb[i]!) / Math.max(1e-6, Math.abs(vb[i]!)));
    expect(worst).toBeLessThan(1e-6);
    expect(longest).toBeLessThan(1_000);
  });

  it("patches exactly the MEMFS clause, and refuses a runtime it does not know", () => {
    expect(patchGlueSource(`a${MEMFS_REGULAR_ARRAY_CLAUSE}b`, "x.js")).toBe("ab");
    expect(() => patchGlueSource("var MEMFS={}", "x.js")).toThrow(/libsvm-js 0\.2\.1/);
    expect(() => patchGlueSource(MEMFS_REGULAR_ARRAY_CLAUSE.repeat(2), "x.js")).toThrow(/libsvm-js 0\.2\.1/);
  });
});
