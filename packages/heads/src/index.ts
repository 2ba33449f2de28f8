export { HeadError, type HeadErrorKind } from "./core/errors.js";
export {
  concatRows,
  type FeatureMatrix,
  type FeaturesInput,
  type FeatureVector,
  isFeatureMatrix,
  selectRows,
  toFeatureMatrix,
} from "./core/matrix.js";
export { encodeLabels, type LabelsInput, MAX_CLASSES } from "./core/labels.js";
export { type ParamSpec, type ParamValue } from "./core/params.js";
export { Standardizer, type StandardizerJSON } from "./core/scaler.js";
export {
  BaseHead,
  type FitOptions,
  type Head,
  HEAD_FORMAT_VERSION,
  type HeadDescription,
  type HeadKind,
  type SavedHead,
} from "./core/head.js";
export { predictAveraged, predictProbaAveraged } from "./core/view-average.js";
export {
  type Calibration,
  type CalibrationMethod,
  CALIBRATION_VERSION,
  type LogisticCalibration,
  type TemperatureCalibration,
} from "./core/calibration.js";
export {
  calibrateHead,
  type CalibrateOptions,
  type CalibrationResult,
  type CalibrationScores,
  fitTemperature,
} from "./calibration/fit.js";
export {
  type CalibrationError,
  calibrationError,
  ECE_BINS,
  meanLogLoss,
  type ReliabilityBin,
} from "./calibration/metrics.js";
export {
  fingerprintText,
  headFingerprint,
  type MemberProbabilities,
  type SavedStackingHead,
  type StackMember,
  StackingHead,
  STACKING_FORMAT_VERSION,
} from "./stacking/stacking-head.js";
export { accuracy, confusionMatrix } from "./selection/metrics.js";
export { SoftmaxHead, type SoftmaxParams } from "./softmax/softmax-head.js";
export { CnnOutputHead, type CnnOutputParams, type DenseLayerWeights } from "./softmax/cnn-output-head.js";
export { SvmHead, type SvmHeadParams, type SvmParams } from "./svm/svm-head.js";
export type { GammaSetting } from "./svm/gamma.js";
export { resolveGamma } from "./svm/gamma.js";
export { libsvmHeapBytes } from "./svm/libsvm.js";
export { BaggingSvmHead, type BaggingSvmParams } from "./svm/bagging-svm-head.js";
export { RandomForestHead, type RandomForestParams } from "./forest/forest-head.js";
export { KnnHead, type KnnParams } from "./knn/knn-head.js";
export type { KnnMetric } from "./knn/neighbours.js";
export { createHead, HEAD_KINDS, HEAD_PARAM_SPECS, headFromJSON, isHeadKind, TRAINABLE_HEAD_KINDS } from "./registry.js";
export { type Split, stratifiedKFold } from "./selection/stratified.js";
export {
  expandGrid,
  formatGridTable,
  gridSearch,
  type GridSearchOptions,
  type GridSearchResult,
  type GridSearchRow,
  type ParamGrid,
} from "./selection/grid-search.js";
