/**
 * `@fer/embeddings-vggface2/tfjs`: the building blocks whose types are TensorFlow.js's (tensors, layers models, graph
 * models), for code that builds or inspects the networks itself. The root entry's types need no tfjs declarations;
 * this entry's do (a strict TypeScript app importing it may need `skipLibCheck`, as tfjs's own types do).
 */
export { facesToTensor } from "./face-tensor.js";
export { buildVggface2Resnet50 } from "./vggface2/architecture.js";
export { vggface2Preprocess } from "./vggface2/preprocess.js";
export { assignWeights, expectedWeights, type WeightArray, type WeightLookup, type ExpectedWeight } from "./vggface2/assign-weights.js";
export { openKerasH5Weights, type KerasH5Weights } from "./vggface2/weights-h5.js";
export { readLayersModelFolder } from "./vggface2/weights-folder.js";
export { loadGraphModelFile } from "./graph/graph-model-file.js";
