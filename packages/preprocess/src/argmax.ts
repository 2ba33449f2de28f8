/**
 * The class of each row of a row-major block of class scores (probabilities, logits, votes): the index of the row's
 * largest value, the first one on ties; NaN values are never chosen (a row of NaN gives 0). The one argmax of fer:
 * `@fer/cnn` and `@fer/heads` predict with it.
 * @param width the number of classes (columns), at most 256 (the result is a `Uint8Array` of labels, like a dataset's)
 */
export function argmaxRows(values: ArrayLike<number>, width: number): Uint8Array {
  if (!Number.isInteger(width) || width < 0 || width > 256) throw new RangeError(`argmaxRows: width must be an integer in [0, 256], got ${width}`);
  const rows = width === 0 ? 0 : Math.floor(values.length / width);
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
