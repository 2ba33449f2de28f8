/**
 * `@fer/pipeline`: photo in, faces and emotions out. Find faces (`@fer/face-detect`), crop them with a margin,
 * preprocess them as at training, featurise them (a CNN of `@fer/cnn` or an embedder of `@fer/embeddings-vggface2`),
 * classify them with a head (`@fer/heads`), draw the result, and evaluate on labelled folders.
 */
export {
  PipelineError,
  type PipelineErrorKind,
} from "./errors.js";
export {
  createPipeline,
  EMBEDDINGS_PACKAGE,
  type Pipeline,
  type PipelineOptions,
  type AnalysisResult,
  type FaceResult,
  type FaceScores,
  type ModelsUsed,
  type BatchItem,
  type BatchOptions,
} from "./pipeline.js";
export { resolvePipelineConfig, type PipelineConfig, type DetectorChoice, type FeaturiserChoice, type HeadChoice } from "./config.js";
export { PRESETS, isPresetName, DEFAULT_DETECTOR, DEFAULT_MARGINS, DEFAULT_ALIGN, findDefaultCnn, defaultFastHeadFile, accuratePresetFile, type PresetName, type AccuratePresetConfig } from "./defaults.js";
export { cnnFeaturiser, embedderFeaturiser, type Featuriser, type PipelineEmbedder } from "./featuriser.js";
export { assertHeadFits, cnnOwnHead, loadHeadFile, CNN_OWN_HEAD_LAYER, type LoadedHeadFile } from "./head.js";
export { annotate, saveImageAs, faceLabel, EMOTION_COLORS, type AnnotatedFace, type AnnotateOptions } from "./annotate.js";
export { loadInput, expandImagePaths, expandImageInputs, isImage, checkImage, hasImageExtension, UnreadableInput, type ImageInput, type BatchInput } from "./input.js";
export {
  evaluateFolder,
  top2Accuracy,
  scoreAgainstFerPlus,
  CROSS_ENTROPY_FLOOR,
  type EvaluateOptions,
  type EvaluationResult,
  type FerPlusEvaluation,
} from "./evaluate.js";
export { classificationMetrics, type ClassificationMetrics, type ClassMetrics } from "./report/metrics.js";
export { type Rgb } from "./draw/canvas.js";
export { textWidth, textHeight } from "./draw/font.js";
export { examplePhotosDir } from "./paths.js";
