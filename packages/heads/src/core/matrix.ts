import { HeadError } from "./errors.js";

/**
 * A batch of feature vectors in one row-major Float32 block: row i is `data[i*cols .. (i+1)*cols)`.
 * This is the shape every head works on internally and the shape features files hold.
 */
export interface FeatureMatrix {
  /** Number of feature vectors (faces). */
  readonly rows: number;
  /** Feature dimension. */
  readonly cols: number;
  readonly data: Float32Array;
}

/** One feature vector. */
export type FeatureVector = ArrayLike<number>;

/** What the heads accept as X: a {@link FeatureMatrix} or an array of equally long vectors. */
export type FeaturesInput = FeatureMatrix | readonly FeatureVector[];

/** Whether `x` is a {@link FeatureMatrix} (as opposed to an array of rows). */
export function isFeatureMatrix(x: unknown): x is FeatureMatrix {
  return (
    typeof x === "object" &&
    x !== null &&
    !Array.isArray(x) &&
    (x as FeatureMatrix).data instanceof Float32Array &&
    Number.isInteger((x as FeatureMatrix).rows) &&
    Number.isInteger((x as FeatureMatrix).cols)
  );
}

/**
 * Validates X and returns it as a {@link FeatureMatrix} (copying only when it was given as rows).
 * Throws `bad-shape` for an empty, ragged or inconsistent batch and `not-finite` for NaN/Infinity
 * (naming the first offending row and column).
 */
export function toFeatureMatrix(x: FeaturesInput, what = "X"): FeatureMatrix {
  let m: FeatureMatrix;
  if (isFeatureMatrix(x)) {
    if (x.rows <= 0 || x.cols <= 0) throw new HeadError("bad-shape", `${what} is empty (${x.rows} x ${x.cols})`);
    if (x.data.length !== x.rows * x.cols) {
      throw new HeadError("bad-shape", `${what}.data has ${x.data.length} values, expected rows*cols = ${x.rows * x.cols}`);
    }
    m = x;
  } else {
    if (!Array.isArray(x)) throw new HeadError("bad-shape", `${what} must be a FeatureMatrix or an array of feature vectors`);
    const rows = x.length;
    if (rows === 0) throw new HeadError("bad-shape", `${what} is empty (no feature vectors)`);
    const first = x[0] as FeatureVector | undefined;
    const cols = first?.length ?? 0;
    if (!Number.isInteger(cols) || cols <= 0) throw new HeadError("bad-shape", `${what}[0] is not a non-empty vector`);
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = x[i] as FeatureVector | undefined;
      if (row === undefined || row === null || row.length !== cols) {
        throw new HeadError("bad-shape", `${what}[${i}] has length ${row?.length ?? "none"}, expected ${cols} like ${what}[0]`);
      }
      for (let j = 0; j < cols; j++) data[i * cols + j] = row[j] as number;
    }
    m = { rows, cols, data };
  }
  assertFinite(m, what);
  return m;
}

/** Throws `not-finite` if any value of `m` is NaN or ±Infinity (also catches non-numbers that became NaN). */
export function assertFinite(m: FeatureMatrix, what = "X"): void {
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i] as number;
    // v - v is NaN exactly for NaN and ±Infinity.
    if (v - v !== 0) {
      const r = Math.floor(i / m.cols);
      throw new HeadError("not-finite", `${what}[${r}][${i - r * m.cols}] is ${v}; features must be finite numbers`);
    }
  }
}

/** Throws `wrong-dimension` unless `m.cols === dim`. */
export function assertDimension(m: FeatureMatrix, dim: number, what = "X"): void {
  if (m.cols !== dim) {
    throw new HeadError("wrong-dimension", `${what} has ${m.cols} features per vector but the head was fitted on ${dim}`);
  }
}

/** The rows `indices` of `m`, copied into a new matrix (in the given order). */
export function selectRows(m: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const { cols } = m;
  const out = new Float32Array(indices.length * cols);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i] as number;
    out.set(m.data.subarray(r * cols, (r + 1) * cols), i * cols);
  }
  return { rows: indices.length, cols, data: out };
}

/** `a`'s rows followed by `b`'s (same feature dimension). */
export function concatRows(a: FeatureMatrix, b: FeatureMatrix): FeatureMatrix {
  if (a.cols !== b.cols) throw new HeadError("bad-shape", `cannot stack ${a.cols}-d and ${b.cols}-d features`);
  const data = new Float32Array((a.rows + b.rows) * a.cols);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return { rows: a.rows + b.rows, cols: a.cols, data };
}
