/**
 * `@fer/cnn/train`: train fer CNNs and work with their tfjs-layers models: `trainCnn`, `buildModel`, optimisers,
 * losses, learning-rate and batch schedules, augmentation, soft targets, checkpoints, experiment tables, layers-model
 * files and batched tfjs inference. It needs `@tensorflow/tfjs-layers` (an optional peer of `@fer/cnn`): importing it
 * without that package throws a `MissingPackageError` naming it. Its types are tfjs-layers' and tfjs-core's: a strict
 * TypeScript app that imports this entry needs `skipLibCheck` (tfjs-layers' declarations do not check under `strict`).
 */
// First: loads tfjs-layers, or throws the MissingPackageError, before any module below calls it.
import "./tfjs-layers.js";
export { MissingPackageError, TFJS_LAYERS_PACKAGE } from "./missing-package.js";
export { buildModel, type BuildModelOptions } from "./architectures.js";
export { isOptimizerName, type OptimizerSpec, resolveOptimizerSpec } from "./optimizer-spec.js";
export { layersModelFiles, loadLayersModel, saveLayersModel, saveModelFolder } from "./model-io.js";
export { extractFeatures, featureModel, INFERENCE_BATCH, runBatched } from "./inference.js";
export { layersModelOf } from "./layers-model-of.js";
export {
  classificationLoss,
  type CrossEntropyFrom,
  crossEntropyFromLogits,
  l2Penalty,
} from "./losses.js";
export {
  CheckpointError,
  type EpochLog,
  trainCnn,
  type TrainOptions,
  TrainOptionsError,
  type TrainResult,
} from "./train.js";
export {
  type ExperimentOptions,
  type ExperimentRow,
  type ExperimentTable,
  formatExperimentTable,
  runExperimentTable,
  summarise,
  tableVariants,
} from "./experiments.js";
export { parsePlateauSchedule, plateauStep, describePlateauSchedule, type PlateauSchedule } from "./lr-schedule.js";
export { batchLearningRate, describeBatchSchedule, assertBatchSchedule, BATCH_SCHEDULES, type BatchSchedule } from "./lr-schedule.js";
export {
  createOptimizer,
  describeOptimizer,
  setOptimizerLearningRate,
  AdamWOptimizer,
  SgdMomentumOptimizer,
} from "./optimizers.js";
export { WeightAverage } from "./ema.js";
export { AUGMENT_PRESETS, parseAugmentSpec, describeAugmentSpec, augmentFaces, augmentScratch, mixBatch, jpegRoundTrip, type AugmentSpec } from "./augment.js";
export {
  readTeacherProbabilities,
  formatTeacherProbabilities,
  buildTargets,
  type TeacherProbabilities,
  type TargetMix,
} from "./soft-targets.js";
export { saveCheckpoint, loadCheckpoint, removeCheckpoint, MANIFEST as CHECKPOINT_MANIFEST } from "./checkpoint.js";
