import type { FeatureMatrix } from "../core/matrix.js";

/**
 * Softmax of the affine scores `x W^T + b` for every row: `weights` is K x D row-major (one row per class),
 * `bias` has K entries. Returns row-major N x K probabilities (numerically stable: max logit subtracted).
 */
export function softmaxProba(x: FeatureMatrix, weights: Float64Array, bias: Float64Array, numClasses: number): Float64Array {
  const { rows, cols: d, data } = x;
  const K = numClasses;
  const out = new Float64Array(rows * K);
  for (let i = 0; i < rows; i++) {
    const xo = i * d;
    const oo = i * K;
    let max = -Infinity;
    for (let c = 0; c < K; c++) {
      let z = bias[c]!;
      const wo = c * d;
      for (let j = 0; j < d; j++) z += weights[wo + j]! * data[xo + j]!;
      out[oo + c] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let c = 0; c < K; c++) {
      const e = Math.exp(out[oo + c]! - max);
      out[oo + c] = e;
      sum += e;
    }
    for (let c = 0; c < K; c++) out[oo + c]! /= sum;
  }
  return out;
}

/** Softmax of each row of a row-major N x K matrix of logits. */
export function softmaxRows(logits: FeatureMatrix): Float64Array {
  const K = logits.cols;
  const out = new Float64Array(logits.rows * K);
  for (let i = 0; i < logits.rows; i++) {
    let max = -Infinity;
    for (let c = 0; c < K; c++) max = Math.max(max, logits.data[i * K + c]!);
    let sum = 0;
    for (let c = 0; c < K; c++) {
      const e = Math.exp(logits.data[i * K + c]! - max);
      out[i * K + c] = e;
      sum += e;
    }
    for (let c = 0; c < K; c++) out[i * K + c]! /= sum;
  }
  return out;
}
