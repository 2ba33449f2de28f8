import type { Box, Image } from "@fer/preprocess";

/**
 * Five facial landmarks in the input image's pixel coordinates (floats, `[x, y]`). "Left" and "right" are as seen in
 * the image: for an upright frontal face `leftEye[0] < rightEye[0]` (the person's right eye is `leftEye`).
 */
export interface FaceLandmarks {
  leftEye: [number, number];
  rightEye: [number, number];
  nose: [number, number];
  mouthLeft: [number, number];
  mouthRight: [number, number];
}

/** One face found in an image: a box in the input image's pixel coordinates, plus the detector's score if it has one. */
export interface Detection extends Box {
  /**
   * The detector's confidence, higher is surer. Its scale depends on the detector: a probability in 0..1 for the DNN
   * detectors; for the Haar cascade, the number of raw neighbouring windows OpenCV merged into this box.
   */
  score?: number;
  /** Five landmarks, from detectors that predict them (`yunet`); absent otherwise. */
  landmarks?: FaceLandmarks;
}

/** Names of the detectors this package ships. */
export type DetectorName = "haar" | "ssd-mobilenet-v1" | "tiny-face" | "yunet" | "ultraface";

/** The interface every detector implements. */
export interface FaceDetector {
  /** The name it was created under (see {@link listDetectors}). */
  readonly name: DetectorName;
  /** DNN detectors: what runs the network (`onnxruntime`, or `tfjs` on the active tfjs-core backend). */
  readonly engine?: "onnxruntime" | "tfjs";
  /**
   * Finds the faces in `img` (gray, RGB or RGBA, any size). Boxes are integers in `img`'s pixel coordinates, inside
   * the image, sorted by score (highest first; ties and score-less boxes top-to-bottom, then left-to-right).
   * An image with no face gives `[]`.
   * @throws {FaceDetectError} `bad-image` for an inconsistent image, `disposed` after {@link FaceDetector.dispose}.
   */
  detect(img: Image): Promise<Detection[]>;
  /** Frees the model (OpenCV objects or tfjs tensors). The detector cannot be used afterwards. Idempotent. */
  dispose(): void;
}

/** Options every detector understands. Sizes are in pixels of the input image. */
export interface CommonDetectorOptions {
  /**
   * Images whose longer side exceeds this are downscaled (area averaging) before detection and boxes are mapped back
   * to original pixels. Default: per detector (see its options).
   */
  maxSide?: number;
  /** Smallest face side (px, original image) to report. Default 0 (no limit). */
  minSize?: number;
  /** Largest face side (px, original image) to report. Default 0 (no limit). */
  maxSize?: number;
}
