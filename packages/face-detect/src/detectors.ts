import { FaceDetectError } from "./errors.js";
import { createHaarDetector, type HaarOptions } from "./haar.js";
import { createSsdMobilenetDetector, type SsdMobilenetOptions } from "./ssd-mobilenet-v1.js";
import { createTinyFaceDetector, type TinyFaceOptions } from "./tiny-face.js";
import type { DetectorName, FaceDetector } from "./types.js";
import { createUltraFaceDetector, type UltraFaceOptions } from "./ultraface.js";
import { createYunetDetector, type YunetOptions } from "./yunet.js";

/** Options per detector name. */
export interface DetectorOptionsByName {
  haar: HaarOptions;
  "ssd-mobilenet-v1": SsdMobilenetOptions;
  "tiny-face": TinyFaceOptions;
  yunet: YunetOptions;
  ultraface: UltraFaceOptions;
}

/** What {@link listDetectors} says about one detector. */
export interface DetectorInfo {
  readonly name: DetectorName;
  /** `cascade` (OpenCV.js, no tfjs) or `dnn` (a network, as an ONNX graph on onnxruntime or on tfjs-core). */
  readonly kind: "cascade" | "dnn";
  readonly description: string;
  /** Where the model comes from and under which licence. */
  readonly model: string;
}

const DETECTORS: readonly DetectorInfo[] = [
  {
    name: "haar",
    kind: "cascade",
    description: "OpenCV's Haar cascade, as the study used it (frontal faces only)",
    model: "haarcascade_frontalface_default.xml, shipped in this package (Intel License Agreement, in the file's header)",
  },
  {
    name: "ssd-mobilenet-v1",
    kind: "dnn",
    description: "SSD MobileNet v1 trained on WIDER FACE; input 512 px on its longer side by default",
    model: "ssd_mobilenetv1_model from the @vladmandic/face-api npm package (MIT), an optional peer dependency",
  },
  {
    name: "tiny-face",
    kind: "dnn",
    description: "face-api's Tiny face detector (Tiny-YOLOv2, separable convolutions); input 416 px on its longer side by default",
    model: "tiny_face_detector_model from the @vladmandic/face-api npm package (MIT), an optional peer dependency",
  },
  {
    name: "yunet",
    kind: "dnn",
    description: "YuNet (libfacedetection): boxes and 5 landmarks; 512 px pass plus a padded 160 px pass for close-ups",
    model: "yunet_n_dynamic.onnx from libfacedetection.train, shipped in this package (Apache-2.0, models/yunet/LICENSE)",
  },
  {
    name: "ultraface",
    kind: "dnn",
    description: "Ultra-Light-Fast-Generic-Face-Detector-1MB (RFB-320 by default): boxes only, fixed 320x240 input",
    model: "version-RFB-320.onnx from Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB, shipped in this package (MIT, models/ultraface/LICENSE)",
  },
];

/** The detectors this package can create, in a stable order. */
export function listDetectors(): readonly DetectorInfo[] {
  return DETECTORS;
}

/** Whether `name` names a detector of this package. */
export function isDetectorName(name: string): name is DetectorName {
  return DETECTORS.some((d) => d.name === name);
}

/**
 * Creates a detector by name. Every detector loads its model from disk (no network). The DNN detectors run their
 * network on onnxruntime when `onnxruntime-node` is installed, else on tfjs (the backend already set, else the one
 * `initBackend()` of `@fer/runtime` picks); their `engine` option chooses.
 * @throws {FaceDetectError} `unknown-detector`, `bad-option`, `model-load`, `engine-unavailable` or
 * `missing-package` (`haar` without `@techstark/opencv-js`, `ssd-mobilenet-v1` and `tiny-face` without
 * `@vladmandic/face-api`).
 */
export async function createDetector<N extends DetectorName>(
  name: N,
  options?: DetectorOptionsByName[N],
): Promise<FaceDetector> {
  switch (name as DetectorName) {
    case "haar":
      return createHaarDetector(options as HaarOptions | undefined);
    case "ssd-mobilenet-v1":
      return createSsdMobilenetDetector(options as SsdMobilenetOptions | undefined);
    case "tiny-face":
      return createTinyFaceDetector(options as TinyFaceOptions | undefined);
    case "yunet":
      return createYunetDetector(options as YunetOptions | undefined);
    case "ultraface":
      return createUltraFaceDetector(options as UltraFaceOptions | undefined);
    default:
      throw new FaceDetectError(
        "unknown-detector",
        `unknown detector "${String(name)}"; known: ${DETECTORS.map((d) => d.name).join(", ")}`,
      );
  }
}
