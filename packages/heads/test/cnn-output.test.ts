import { describe, expect, it } from "vitest";
import { CnnOutputHead, headFromJSON } from "../src/index.js";
import { separableSlice } from "./helpers.js";

describe("CNN output adapter", () => {
  // A dense layer [64 -> 7] as Keras stores it: kernel[input][class].
  const kernel = Array.from({ length: 64 }, (_, i) => Array.from({ length: 7 }, (_, c) => Math.sin(i * 7 + c) * 0.5));
  const bias = [0.1, -0.2, 0.3, 0, 0.05, -0.1, 0.2];

  it("applies the CNN's last dense layer and softmax", async () => {
    const { test } = await separableSlice();
    const head = CnnOutputHead.fromDense({ kernel, bias });
    const proba = head.predictProba(test.features);
    for (let i = 0; i < 5; i++) {
      const x = test.features.data.subarray(i * 64, (i + 1) * 64);
      const z = bias.map((b, c) => b + kernel.reduce((s, row, j) => s + row[c]! * x[j]!, 0));
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      const expected = e.map((v) => v / e.reduce((a, b) => a + b, 0));
      expected.forEach((p, c) => expect(proba[i]![c]).toBeCloseTo(p, 12));
    }
    const copy = await headFromJSON(JSON.parse(JSON.stringify(head.toJSON())));
    expect(copy.predictProba(test.features)).toEqual(proba);
  });

  it("accepts the flat kernel of tf.js getWeights()[0].dataSync()", async () => {
    const { test } = await separableSlice();
    const flat = Float32Array.from(kernel.flat());
    const a = CnnOutputHead.fromDense({ kernel: flat, bias });
    const b = CnnOutputHead.fromDense({ kernel: kernel.map((r) => r.map(Math.fround)), bias });
    expect(a.predictProba(test.features)).toEqual(b.predictProba(test.features));
  });

  it("uses the CNN's logits or probabilities directly", () => {
    const logits = CnnOutputHead.forOutputs("logits");
    const p = logits.predictProba([[0, 0, 0, Math.log(4), 0, 0, 0]])[0]!;
    expect(p[3]).toBeCloseTo(0.4, 6); // the input is stored as float32
    const probs = CnnOutputHead.forOutputs("probabilities");
    expect(probs.predict([[0.1, 0, 0, 0.2, 0.6, 0.05, 0.05]])).toEqual([4]);
    expect(() => probs.predict([[-0.1, 0, 0, 0.2, 0.6, 0.05, 0.25]])).toThrowError(/cannot be negative/);
  });

  it("is not trainable", async () => {
    await expect(CnnOutputHead.fromDense({ kernel, bias }).fit([[1]], [0])).rejects.toMatchObject({ kind: "not-trainable" });
    expect(() => CnnOutputHead.fromDense({ kernel, bias: [1, 2] })).toThrowError(expect.objectContaining({ kind: "bad-shape" }));
  });
});
