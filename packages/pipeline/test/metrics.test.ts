import { describe, expect, it } from "vitest";
import { classificationMetrics } from "../src/index.js";

describe("classificationMetrics", () => {
  it("matches a hand-computed example, with a missing prediction counted as an error", () => {
    // 3 classes; actual / predicted (-1 = no face found).
    const actual = [0, 0, 0, 1, 1, 2, 2, 2];
    const predicted = [0, 0, 1, 1, -1, 2, 0, 2];
    const m = classificationMetrics(["a", "b", "c"], actual, predicted);
    expect(m.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 0],
      [1, 0, 2],
    ]);
    expect(m.accuracy).toBeCloseTo(5 / 8);
    expect(m.perClass.a).toEqual({ precision: 2 / 3, recall: 2 / 3, f1: expect.closeTo(2 / 3, 10), support: 3 });
    expect(m.perClass.b!.precision).toBeCloseTo(1 / 2);
    expect(m.perClass.b!.recall).toBeCloseTo(1 / 2);
    expect(m.perClass.c!.precision).toBeCloseTo(1);
    expect(m.perClass.c!.recall).toBeCloseTo(2 / 3);
    expect(m.perClass.c!.f1).toBeCloseTo(0.8);
    expect(m.macroF1).toBeCloseTo((2 / 3 + 0.5 + 0.8) / 3);
    expect(m.weighted.recall).toBeCloseTo(m.accuracy);
    expect(m.actualCounts).toEqual([3, 2, 3]);
    expect(m.predictedCounts).toEqual([3, 2, 2]);
  });

  it("leaves classes absent from labels and predictions out of macro-F1", () => {
    const m = classificationMetrics(["a", "b", "c"], [0, 0, 2], [0, 0, 2]);
    expect(m.macroF1).toBe(1);
    expect(m.perClass.b).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it("refuses mismatched lengths and bad indices", () => {
    expect(() => classificationMetrics(["a"], [0], [])).toThrow(RangeError);
    expect(() => classificationMetrics(["a"], [1], [0])).toThrow(RangeError);
  });
});
