/**
 * `@fer/embeddings-vggface2`: pretrained face networks as fixed feature extractors (route 2 of the study).
 * Every backbone is an {@link Embedder}: the VGGFace2 ResNet-50 (weights supplied by the user), face-api's face
 * recognition ResNet-34 and HSE FaceRes (weights from npm packages on disk). {@link embedDataset} embeds whole
 * datasets with a resumable disk cache. Node only (reads weights and caches from the file system).
 */
export { EmbeddingError, type EmbeddingErrorKind } from "./errors.js";
export { type Embedder } from "./embedder.js";
export { facesToTensor, grayFacesView } from "./face-tensor.js";
export {
  FACEAPI_RESNET_INPUT,
  FACEAPI_RESNET_LAYERS,
  FACEAPI_RESNET_MEAN_RGB,
  FACEAPI_RESNET_TAPS,
  faceApiModelDir,
  type FaceApiResnetOptions,
  type FaceApiResnetTap,
  loadFaceApiResnetEmbedder,
} from "./faceapi/resnet34.js";
export { datasetHash, embedDataset, type EmbedDatasetOptions, type EmbeddedDataset } from "./dataset-embedding.js";
export { type BackboneName, BACKBONES, loadEmbedder, type LoadEmbedderOptions } from "./backbones.js";
export {
  buildVggface2Resnet50,
  VGGFACE2_BN_EPSILON,
  VGGFACE2_DIMS,
  VGGFACE2_INPUT,
  VGGFACE2_LAYERS,
  VGGFACE2_MEANS_BGR,
  type Vggface2Layer,
} from "./vggface2/architecture.js";
export { assignWeights, expectedWeights, type WeightArray, type WeightLookup, type ExpectedWeight } from "./vggface2/assign-weights.js";
export { openKerasH5Weights, type KerasH5Weights } from "./vggface2/weights-h5.js";
export { readLayersModelFolder } from "./vggface2/weights-folder.js";
export { loadVggface2Embedder, vggface2Preprocess, type Vggface2Options } from "./vggface2/embedder.js";
export { loadGraphModelFile } from "./graph/graph-model-file.js";
export {
  FACERES_INPUT,
  FACERES_LAYERS,
  FACERES_MEANS_BGR,
  FACERES_VARIANTS,
  type FaceresOptions,
  type FaceresVariant,
  humanModelsDir,
  loadFaceresEmbedder,
} from "./graph/human-faceres.js";
export { writeEmbeddingFeatures } from "./features-file.js";
