export {
  ALL_ARCHITECTURES,
  type Architecture,
  ARCHITECTURE_SPECS,
  ARCHITECTURES,
  type ArchitectureSpec,
  buildModel,
  type BuildModelOptions,
  FEATURE_LAYERS,
  type FeatureLayer,
  isArchitecture,
  isModernArchitecture,
  LOGITS_LAYER,
  MODERN_ARCHITECTURES,
  MODERN_BATCH_NORM,
  MODERN_DROPOUT,
  type ModernArchitecture,
  type OutputKind,
  type StudyArchitecture,
  type StudyArchitectureSpec,
} from "./architectures.js";
export {
  cnnFeaturiserId,
  MODEL_CARD_FORMAT,
  MODEL_CARD_VERSION,
  type ModelCard,
} from "./model-card.js";
export {
  layersModelFiles,
  loadLayersModel,
  ModelFolderError,
  readModelCard,
  saveLayersModel,
  saveModelFolder,
  writeModelCard,
} from "./model-io.js";
export {
  accuracy,
  argmaxRows,
  extractFeatures,
  featureModel,
  INFERENCE_BATCH,
  runBatched,
} from "./inference.js";
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
  DatasetMismatchError,
  evaluateCnn,
  type EvaluateCnnOptions,
  type FerCnn,
  labelsForModel,
  loadCnn,
  type LoadCnnOptions,
} from "./cnn-model.js";
export {
  type ExperimentOptions,
  type ExperimentRow,
  type ExperimentTable,
  formatExperimentTable,
  runExperimentTable,
  summarise,
  tableVariants,
} from "./experiments.js";
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
