export * from "./architectures.js";
export * from "./model-card.js";
export * from "./model-io.js";
export * from "./inference.js";
export * from "./losses.js";
export * from "./train.js";
export { createProgressBar, formatDuration, type ProgressBar, type ProgressBarOptions } from "./progress.js";
export { initBackend, describeBackend, type BackendInfo, type BackendName } from "./backend/index.js";
export * from "./cnn-model.js";
export * from "./experiments.js";
export { defaultCnnDir, DEFAULT_MODEL_NAME } from "./default-model.js";
export { trainingPartOf, type TrainingPart } from "./training-split.js";
export { parsePlateauSchedule, plateauStep, describePlateauSchedule, type PlateauSchedule } from "./lr-schedule.js";
export { batchLearningRate, describeBatchSchedule, assertBatchSchedule, BATCH_SCHEDULES, type BatchSchedule } from "./lr-schedule.js";
export {
  OPTIMIZERS,
  isOptimizerName,
  createOptimizer,
  describeOptimizer,
  resolveOptimizerSpec,
  setOptimizerLearningRate,
  AdamWOptimizer,
  SgdMomentumOptimizer,
  type OptimizerName,
  type OptimizerSpec,
} from "./optimizers.js";
export { WeightAverage } from "./ema.js";
export { AUGMENT_PRESETS, parseAugmentSpec, describeAugmentSpec, augmentFaces, augmentScratch, mixBatch, jpegRoundTrip, type AugmentSpec } from "./augment.js";
export {
  readFerPlusVotes,
  ferPlusAccuracy,
  ferPlusDistribution,
  TargetsFileError,
  readTeacherProbabilities,
  formatTeacherProbabilities,
  buildTargets,
  FERPLUS_COLUMNS,
  type FerPlusVotes,
  type TeacherProbabilities,
  type TargetMix,
} from "./soft-targets.js";
export { saveCheckpoint, loadCheckpoint, removeCheckpoint, MANIFEST as CHECKPOINT_MANIFEST } from "./checkpoint.js";
