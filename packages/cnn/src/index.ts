/**
 * `@fer/cnn`: load a trained fer CNN and run it (`loadCnn`: scores, predictions, features), its model card, its
 * architectures' names. The root entry's types are free of tfjs, and it does not load tfjs-layers: a model folder is
 * read as plain data (`readCnnDescription`) and runs as an ONNX graph. Training (`trainCnn`, `buildModel`, optimisers,
 * losses, checkpoints, tfjs-layers models) is in `@fer/cnn/train`, which needs the optional peer
 * `@tensorflow/tfjs-layers`.
 */
export {
  ALL_ARCHITECTURES,
  type Architecture,
  ARCHITECTURE_SPECS,
  ARCHITECTURES,
  type ArchitectureSpec,
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
} from "./architecture-specs.js";
export { OPTIMIZERS, type OptimizerName } from "./optimizer-spec.js";
export {
  cnnFeaturiserId,
  MODEL_CARD_FORMAT,
  MODEL_CARD_VERSION,
  type ModelCard,
} from "./model-card.js";
export { ModelFolderError, readModelCard, writeModelCard } from "./model-folder.js";
export { readCnnDescription } from "./model-files.js";
export { type CnnDescription, CnnDescriptionError, type CnnWeight, type DescribedLayer } from "./onnx/cnn-description.js";
export { MissingPackageError, TFJS_LAYERS_PACKAGE } from "./missing-package.js";
export { accuracy, argmaxRows } from "./metrics.js";
export {
  DatasetMismatchError,
  evaluateCnn,
  type EvaluateCnnOptions,
  type FerCnn,
  labelsForModel,
  loadCnn,
  type LoadCnnOptions,
} from "./cnn-model.js";
export { defaultCnnDir, DEFAULT_MODEL_NAME } from "./default-model.js";
export { trainingPartOf, type TrainingPart } from "./training-split.js";
export {
  readFerPlusVotes,
  ferPlusAccuracy,
  ferPlusDistribution,
  TargetsFileError,
  FERPLUS_COLUMNS,
  type FerPlusVotes,
} from "./soft-targets.js";
