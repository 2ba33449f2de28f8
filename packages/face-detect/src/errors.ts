/** Why a face-detection call failed. */
export type FaceDetectErrorKind =
  /** The input is not a consistent image (size, channels or data length). */
  | "bad-image"
  /** A detector option is out of range or of the wrong type. */
  | "bad-option"
  /** No detector has the requested name. */
  | "unknown-detector"
  /** A model or cascade file could not be read or parsed. */
  | "model-load"
  /** Engine `onnxruntime` was asked for and `onnxruntime-node` is not installed (or cannot load). */
  | "engine-unavailable"
  /**
   * An optional package the detector needs is not installed (`haar` needs `@techstark/opencv-js`, `ssd-mobilenet-v1`
   * and `tiny-face` the weights in `@vladmandic/face-api`); the message names it and how to install it.
   */
  | "missing-package"
  /** The detector was used after `dispose()`. */
  | "disposed"
  /** A WIDER FACE annotation file is malformed. */
  | "bad-annotations";

/** The one error class thrown by `@fer/face-detect` for bad input, bad options and unreadable models. */
export class FaceDetectError extends Error {
  /** Machine-readable reason. */
  readonly kind: FaceDetectErrorKind;

  constructor(kind: FaceDetectErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FaceDetectError";
    this.kind = kind;
  }
}
