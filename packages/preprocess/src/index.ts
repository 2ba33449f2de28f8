/**
 * Browser-safe entry of `@fer/preprocess`: contracts and pure-TypeScript image operations on plain typed arrays.
 * No sharp, no `node:` imports. Decoding, encoding and dataset loaders live in `@fer/preprocess/node`.
 */
export {
  type Emotion,
  EMOTIONS,
  isEmotion,
} from "./emotions.js";
export {
  type Box,
  type GrayImage,
  type Image,
} from "./image.js";
export {
  type FaceDataset,
} from "./dataset.js";
export {
  FerDatasetError,
  type FerDatasetErrorKind,
  FerError,
  FerImageError,
  type FerImageErrorKind,
} from "./errors.js";
export { assertImage, assertGray } from "./image-check.js";
export { toGray } from "./gray.js";
export { resize, type ResizeMethod, type ResizeOptions } from "./resize.js";
export { cropBox, expandBox, MIN_MARGIN, type CropOptions } from "./crop.js";
export { frameFace, faceFrame, type FaceFrame, type FaceFrameOptions, type EyePoints } from "./frame.js";
export { mirror } from "./mirror.js";
export { equalizeHist, equalizeHistInto } from "./equalize-hist.js";
export { clahe, createClahe, type ClaheOptions, type ClaheFn } from "./clahe.js";
export { prepareFace, prepareFaces, prepareFaceBytes, mirrorFaces, MIRROR_ID_SUFFIX, assertPreprocessSpec, type PreprocessSpec } from "./prepare-face.js";
export { stratifiedSplit, type SplitOptions } from "./split.js";
export { seededRandom, shuffleInPlace } from "./random.js";
export { subsetDataset, concatDatasets, classCounts } from "./dataset-ops.js";
export { argmaxRows } from "./argmax.js";
export { accuracy } from "./accuracy.js";
export {
  findUnhelpfulImages,
  findDuplicateGroups,
  findCrossDuplicates,
  faceStats,
  type UnhelpfulImage,
  type UnhelpfulKind,
  type UnhelpfulOptions,
  type FaceStats,
} from "./unhelpful.js";
export { decodeBaselineGrayJpeg, type GrayJpegOptions } from "./jpeg-gray.js";
export { DEFAULT_MAX_PIXELS, DEFAULT_MAX_INPUT_BYTES } from "./limits.js";
