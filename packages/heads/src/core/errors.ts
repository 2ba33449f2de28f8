/**
 * Typed errors of `@fer/heads`. Every bad input throws a {@link HeadError} whose `kind` says what was wrong,
 * before any state is changed (a failed `fit` leaves the head as it was; a failed save writes nothing).
 */

/** Why a head refused its input or could not be loaded. */
export type HeadErrorKind =
  /** X is empty, ragged, or X and y have different lengths. */
  | "bad-shape"
  /** X contains NaN or ±Infinity. */
  | "not-finite"
  /** At predict time X has another feature dimension than the head was fitted on. */
  | "wrong-dimension"
  /** A label is not one of the head's classes (or not an integer index into them). */
  | "unknown-label"
  /** A parameter is out of range or of the wrong type. */
  | "bad-parameter"
  /** predict / predictProba / toJSON was called before fit. */
  | "not-fitted"
  /** The head was disposed (its WebAssembly memory freed) and cannot be used any more. */
  | "disposed"
  /** The head cannot be trained (e.g. the CNN-output adapter, whose weights come from the CNN). */
  | "not-trainable"
  /** A saved head or features file is malformed or truncated. */
  | "bad-format"
  /** A saved head or features file was written by another, incompatible format version. */
  | "version-mismatch"
  /** Features files (or a head and features) come from different models or layers. */
  | "featuriser-mismatch"
  /** A stacking head was given other members than those it was fitted on. */
  | "member-mismatch"
  /** The head needs Node (libsvm-js, worker threads) and was used from the browser entry `@fer/heads/web`. */
  | "node-only";

/** The one error class thrown by `@fer/heads` for bad input; see {@link HeadErrorKind}. */
export class HeadError extends Error {
  /** Machine-readable reason. */
  readonly kind: HeadErrorKind;

  constructor(kind: HeadErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HeadError";
    this.kind = kind;
  }
}

/** Throws a `bad-parameter` {@link HeadError} unless `ok`. */
export function checkParam(ok: boolean, message: string): asserts ok {
  if (!ok) throw new HeadError("bad-parameter", message);
}
