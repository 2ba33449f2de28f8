// Plain-array metrics of class predictions (no tfjs).

/** Index of the largest value of each row of a [rows, width] block. */
export function argmaxRows(values: Float32Array, width: number): Uint8Array {
  const rows = width === 0 ? 0 : values.length / width;
  const out = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let c = 0; c < width; c++) {
      const v = values[r * width + c] as number;
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

/** Fraction of `predicted` equal to `labels`. */
export function accuracy(predicted: Uint8Array, labels: Uint8Array): number {
  if (predicted.length !== labels.length) throw new RangeError("predicted and labels differ in length");
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
  return labels.length === 0 ? 0 : right / labels.length;
}
