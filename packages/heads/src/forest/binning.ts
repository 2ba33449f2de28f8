import type { FeatureMatrix } from "../core/matrix.js";

/**
 * Candidate split thresholds per feature, ascending Float32 values. A value v falls in bin
 * `#{t : t < v}`, so "bin <= b" is exactly "v <= thresholds[b]": a tree trained on bins predicts on raw values
 * with the same decisions.
 */
export type FeatureThresholds = Float32Array[];

/**
 * Chooses up to `maxBins - 1` thresholds per feature. A feature with at most `maxBins` distinct training values
 * gets a threshold between every pair of consecutive values (then the histogram split search is exact CART);
 * otherwise thresholds sit between the values at quantile boundaries (like LightGBM / scikit-learn's
 * HistGradientBoosting), each threshold halfway between two neighbouring distinct values.
 */
export function fitThresholds(x: FeatureMatrix, maxBins: number): FeatureThresholds {
  const { rows, cols, data } = x;
  const out: FeatureThresholds = [];
  const col = new Float32Array(rows);
  for (let f = 0; f < cols; f++) {
    for (let i = 0; i < rows; i++) col[i] = data[i * cols + f]!;
    col.sort();
    // Distinct values with their counts.
    const values: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < rows; i++) {
      const v = col[i]!;
      if (values.length > 0 && values[values.length - 1] === v) counts[counts.length - 1]! += 1;
      else {
        values.push(v);
        counts.push(1);
      }
    }
    const th: number[] = [];
    if (values.length <= maxBins) {
      for (let i = 0; i + 1 < values.length; i++) th.push(between(values[i]!, values[i + 1]!));
    } else {
      let cum = 0;
      let nextCut = 1;
      for (let i = 0; i + 1 < values.length && th.length < maxBins - 1; i++) {
        cum += counts[i]!;
        if (cum >= (nextCut * rows) / maxBins) {
          th.push(between(values[i]!, values[i + 1]!));
          while (cum >= (nextCut * rows) / maxBins) nextCut++;
        }
      }
    }
    out.push(Float32Array.from(th));
  }
  return out;
}

/** A Float32 threshold t with lo <= t < hi (the midpoint when it is representable strictly below hi). */
function between(lo: number, hi: number): number {
  const mid = Math.fround((lo + hi) / 2);
  return mid < hi ? mid : lo;
}

/** Bin index of `v` given ascending thresholds: the number of thresholds strictly below v. */
export function binOf(th: Float32Array, v: number): number {
  let lo = 0;
  let hi = th.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (th[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bins every value: the result is column-major (`out[f * rows + i]`), which the split search reads fastest. */
export function binColumns(x: FeatureMatrix, thresholds: FeatureThresholds, out?: Uint8Array): Uint8Array {
  const { rows, cols, data } = x;
  const binned = out ?? new Uint8Array(rows * cols);
  for (let f = 0; f < cols; f++) {
    const th = thresholds[f]!;
    const o = f * rows;
    for (let i = 0; i < rows; i++) binned[o + i] = binOf(th, data[i * cols + f]!);
  }
  return binned;
}
