import { describe, expect, it } from "vitest";
import {
  calibrateHead,
  calibrationError,
  headFromJSON,
  predictProbaAveraged,
  RandomForestHead,
  SoftmaxHead,
  SvmHead,
  type Head,
  type SavedHead,
} from "../src/index.js";
import { selectRows } from "../src/core/matrix.js";
import { loadPooledPixels } from "../src/bench/pooled-pixels.js";
import type { FeatureSet } from "../src/node/features-file.js";
import { separableSlice } from "./helpers.js";

/** Real FER2013 faces of all seven classes pooled to 8x8: 60 per class from train, split 2:1 into fit / held out. */
let sevenClasses: Promise<{ fit: FeatureSet["features"]; fitY: Uint8Array; held: FeatureSet["features"]; heldY: Uint8Array }> | undefined;
function sevenClassSlice(): NonNullable<typeof sevenClasses> {
  sevenClasses ??= (async () => {
    const set = await loadPooledPixels("train", { perClass: 60 });
    const fitIdx: number[] = [];
    const heldIdx: number[] = [];
    for (let i = 0; i < set.features.rows; i++) (i % 3 === 2 ? heldIdx : fitIdx).push(i);
    const labels = Uint8Array.from(set.labels);
    return {
      fit: selectRows(set.features, fitIdx),
      fitY: Uint8Array.from(fitIdx, (i) => labels[i]!),
      held: selectRows(set.features, heldIdx),
      heldY: Uint8Array.from(heldIdx, (i) => labels[i]!),
    };
  })();
  return sevenClasses;
}

function argmax(row: readonly number[]): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
  return best;
}

function expectRowsSumToOne(rows: number[][]): void {
  for (const r of rows) expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
}

describe("expected calibration error", () => {
  it("is the count-weighted gap between accuracy and confidence over 15 equal-width bins", () => {
    // Confidences 0.95 (bin 14: (14/15, 1]) twice, one right: gap |0.5 - 0.95| = 0.45, weight 2/5;
    // 0.5 (bin 7: (7/15, 8/15]) three times, all right: gap |1 - 0.5| = 0.5, weight 3/5.
    // ECE = 0.4 * 0.45 + 0.6 * 0.5 = 0.48.
    const probs = [
      [0.95, 0.05],
      [0.95, 0.05],
      [0.5, 0.3, 0.2],
      [0.2, 0.5, 0.3],
      [0.3, 0.2, 0.5],
    ];
    const r = calibrationError(probs, [0, 1, 0, 1, 2]);
    expect(r.ece).toBeCloseTo(0.48, 12);
    expect(r.maxGap).toBeCloseTo(0.5, 12);
    expect(r.accuracy).toBeCloseTo(4 / 5, 12);
    expect(r.bins).toHaveLength(15);
    expect(r.bins[14]).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(r.bins[14]!.confidence).toBeCloseTo(0.95, 12);
    expect(r.bins[7]).toMatchObject({ count: 3, accuracy: 1, confidence: 0.5 });
    expect(r.bins.reduce((s, b) => s + b.count, 0)).toBe(5);
    // Upper edges are inclusive: 1/15 exactly goes to bin 0, not bin 1.
    expect(calibrationError([[1 / 15, 14 / 15]], [1]).bins[13]!.count).toBe(1);
    expect(calibrationError([[1, 0]], [0]).ece).toBe(0);
  });
});

describe("temperature scaling", () => {
  it("keeps every argmax, sums to 1, lowers the held-out log-loss of an over-confident head, survives save/load", async () => {
    const { fit, fitY, held, heldY } = await sevenClassSlice();
    // No L2: on 280 faces x 64 pooled pixels the softmax over-fits, so its held-out probabilities are over-confident.
    const head = await new SoftmaxHead({ l2: 0, maxIter: 300 }).fit(fit, fitY);
    const before = head.predictProba(held);
    const r = await calibrateHead(head, [held], heldY, { fittedOn: "test slice" });
    expect(r.calibration.method).toBe("temperature");
    if (r.calibration.method !== "temperature") return;
    expect(r.calibration.temperature).toBeGreaterThan(1.2);
    expect(r.after.logLoss).toBeLessThan(r.before.logLoss);
    const after = head.predictProba(held);
    expectRowsSumToOne(after);
    expect(after.map(argmax)).toEqual(before.map(argmax));
    expect(head.predict(held)).toEqual(before.map(argmax));
    expect(Math.max(...after.map((row) => Math.max(...row)))).toBeLessThan(Math.max(...before.map((row) => Math.max(...row))));
    expect(head.predictProbaUncalibrated(held)).toEqual(before);
    // Saved with the head and applied after loading.
    const json = JSON.parse(JSON.stringify(head.toJSON())) as SavedHead;
    expect(json.calibration).toMatchObject({ version: 1, method: "temperature", fittedOn: "test slice" });
    const loaded = await headFromJSON(json);
    expect(loaded.predictProba(held)).toEqual(after);
    expect(loaded.describe().probabilities).toMatch(/temperature scaling, T = /);
  });

  it("is fitted on the views' average for a mirror-averaged head and keeps the averaged argmax", async () => {
    const { fit, fitY, held, heldY } = await sevenClassSlice();
    // The mirror image of an 8x8 pooled face: each row of the grid reversed.
    const mirrored = { ...held, data: held.data.map((_, i) => held.data[i - (i % 8) + 7 - (i % 8)]!) };
    const forest = await new RandomForestHead({ nEstimators: 30, seed: 1, threads: 1 }).fit(fit, fitY);
    const before = predictProbaAveraged(forest, [held, mirrored]);
    const r = await calibrateHead(forest, [held, mirrored], heldY);
    expect(r.calibration.method).toBe("temperature");
    const after = predictProbaAveraged(forest, [held, mirrored]);
    expect(after).not.toEqual(before);
    // Only exact ties move: vote fractions like 0.2 and 0.19999999999999998 (the same fraction summed in another
    // order) are one class in the calibrated scores, whose first index wins.
    const moved = before.filter((row, i) => argmax(after[i]!) !== argmax(row));
    for (const row of moved) {
      const top = [...row].sort((a, b) => b - a);
      expect(top[0]! - top[1]!).toBeLessThan(1e-12);
    }
    expect(moved.length).toBeLessThan(before.length / 20);
    expectRowsSumToOne(after);
    forest.dispose();
  });
});

describe("old head files", () => {
  it("load without a calibration (temperature 1) and predict their own probabilities", async () => {
    const { train, test } = await separableSlice();
    const head = await new SoftmaxHead().fit(train.features, train.labels);
    const json = head.toJSON();
    expect("calibration" in json).toBe(false); // what files written before calibration look like
    const loaded = await headFromJSON(JSON.parse(JSON.stringify(json)));
    expect(loaded.calibration).toBeNull();
    expect(loaded.predictProba(test.features)).toEqual(head.predictProba(test.features));
  });

  it("refuse a calibration record of another version or a malformed one", async () => {
    const { train } = await separableSlice();
    const head = await new SoftmaxHead().fit(train.features, train.labels);
    const json = head.toJSON();
    await expect(headFromJSON({ ...json, calibration: { version: 2, method: "temperature", temperature: 2, floor: 1e-4 } })).rejects.toMatchObject({ kind: "version-mismatch" });
    await expect(headFromJSON({ ...json, calibration: { version: 1, method: "temperature", temperature: -1, floor: 1e-4 } })).rejects.toMatchObject({ kind: "bad-format" });
    await expect(headFromJSON({ ...json, calibration: { version: 1, method: "logistic", inputs: 1, weights: [1], bias: [0] } })).rejects.toMatchObject({ kind: "bad-format" });
  });
});

describe("a probability model for an SVM without one", () => {
  let svm: Head | undefined;
  it("computes libsvm's decision values (their votes are libsvm's predictions) and a logistic model on them", async () => {
    const { fit, fitY, held, heldY } = await sevenClassSlice();
    const head = await new SvmHead({ C: 1, probability: false }).fit(fit, fitY);
    svm = head;
    const oneHot = head.predictProba(held);
    expect(oneHot.every((r) => r.every((v) => v === 0 || v === 1))).toBe(true);
    // Votes of the 21 pairwise decision values (libsvm's label order is the order classes first appear).
    expect(head.decisionValueCount).toBe(21);
    const dv = head.decisionValues(held);
    const order = [...new Set(Array.from(fitY))];
    const votes = dv.map((d) => {
      const v = new Array<number>(order.length).fill(0);
      let p = 0;
      for (let a = 0; a < order.length; a++) for (let b = a + 1; b < order.length; b++) v[d[p++]! > 0 ? a : b]! += 1;
      return order[argmax(v)];
    });
    const libsvm = head.predict(held);
    expect(votes).toEqual(libsvm);

    const r = await calibrateHead(head, [held], heldY);
    expect(r.calibration.method).toBe("logistic");
    expect(r.after.logLoss).toBeLessThan(r.before.logLoss);
    const p = head.predictProba(held);
    expectRowsSumToOne(p);
    expect(p.filter((row) => Math.max(...row) < 0.99).length).toBeGreaterThan(held.rows / 2);
    expect(head.predict(held)).toEqual(p.map(argmax));
    const loaded = await headFromJSON(head.toJSON());
    expect(loaded.predictProba(held)).toEqual(p);
    loaded.dispose();
    head.dispose();
  });

  it("is refused by a head without decision values", async () => {
    const { fit, fitY, held, heldY } = await sevenClassSlice();
    const head = await new SoftmaxHead().fit(fit, fitY);
    await expect(calibrateHead(head, [held], heldY, { method: "logistic" })).rejects.toMatchObject({ kind: "bad-parameter" });
    svm?.dispose();
  });
});
