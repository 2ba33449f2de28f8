/**
 * `@fer/embeddings-vggface2`: pretrained face networks as fixed feature extractors (route 2 of the study).
 * Every backbone is an {@link Embedder}: the VGGFace2 ResNet-50 (weights supplied by the user), face-api's face
 * recognition ResNet-34 and HSE FaceRes (weights from npm packages on disk). {@link embedDataset} embeds whole
 * datasets with a resumable disk cache. Node only (reads weights and caches from the file system).
 * The TensorFlow.js-typed building blocks (network builder, weight assignment, tensors) are in
 * `@fer/embeddings-vggface2/tfjs`, so that this entry's types need no tfjs declarations.
 */
export { EmbeddingError, type EmbeddingErrorKind } from "./errors.js";
export { type Embedder } from "./embedder.js";
export { grayFacesView } from "./gray-faces.js";
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
export { VGGFACE2_BN_EPSILON, VGGFACE2_DIMS, VGGFACE2_INPUT, VGGFACE2_LAYERS, VGGFACE2_MEANS_BGR, type Vggface2Layer } from "./vggface2/layers.js";
export { loadVggface2Embedder, type Vggface2Options } from "./vggface2/embedder.js";
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
