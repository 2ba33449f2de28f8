export type { Detection, DetectorName, FaceLandmarks, FaceDetector, CommonDetectorOptions } from "./types.js";
export { FaceDetectError, type FaceDetectErrorKind } from "./errors.js";
export { createDetector, listDetectors, isDetectorName, type DetectorInfo, type DetectorOptionsByName } from "./detectors.js";
export { createHaarDetector, DEFAULT_CASCADE_PATH, type HaarOptions } from "./haar.js";
export { createSsdMobilenetDetector, type SsdMobilenetOptions } from "./ssd-mobilenet-v1.js";
export { createTinyFaceDetector, type TinyFaceOptions } from "./tiny-face.js";
export { createYunetDetector, DEFAULT_YUNET_MODEL_PATH, type YunetOptions } from "./yunet.js";
export { iou, nonMaxSuppression, sortDetections } from "./boxes.js";
export { liveOpenCvObjects } from "./opencv.js";
