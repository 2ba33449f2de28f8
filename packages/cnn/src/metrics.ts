// Plain-array metrics of class predictions (no tfjs).

// The one argmax of fer lives in @fer/preprocess (shared with @fer/heads); @fer/cnn exports it too.
export { argmaxRows } from "@fer/preprocess";

/** Fraction of `predicted` equal to `labels`. */
export function accuracy(predicted: Uint8Array, labels: Uint8Array): number {
  if (predicted.length !== labels.length) throw new RangeError("predicted and labels differ in length");
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
  return labels.length === 0 ? 0 : right / labels.length;
}
