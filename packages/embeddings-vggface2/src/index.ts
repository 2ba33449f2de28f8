/**
 * `@fer/embeddings-vggface2`: pretrained face networks as fixed feature extractors (route 2 of the study).
 * Every backbone is an {@link Embedder}: the VGGFace2 ResNet-50 (weights supplied by the user), face-api's face
 * recognition ResNet-34 and HSE FaceRes (weights from npm packages on disk). {@link embedDataset} embeds whole
 * datasets with a resumable disk cache. Node only (reads weights and caches from the file system).
 */
export * from "./errors.js";
export * from "./embedder.js";
export { facesToTensor, grayFacesView } from "./face-tensor.js";
export { gridAveragePool, parseLayerId } from "./pooling.js";
export * from "./faceapi/resnet34.js";
export * from "./dataset-embedding.js";
export * from "./backbones.js";
export { sharedDir, repoRoot } from "./shared-dir.js";
export * from "./vggface2/architecture.js";
export { assignWeights, expectedWeights, type WeightArray, type WeightLookup, type ExpectedWeight } from "./vggface2/assign-weights.js";
export { openKerasH5Weights, type KerasH5Weights } from "./vggface2/weights-h5.js";
export { readLayersModelFolder } from "./vggface2/weights-folder.js";
export { loadVggface2Embedder, vggface2Preprocess, type Vggface2Options } from "./vggface2/embedder.js";
export { loadGraphModelFile } from "./graph/graph-model-file.js";
export * from "./graph/human-faceres.js";
export { writeEmbeddingFeatures } from "./features-file.js";
