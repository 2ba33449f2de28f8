/**
 * `@fer/runtime/tfjs`: the helpers whose types are TensorFlow.js tensors (the weights-manifest reader), and the ONNX
 * interpreter on tfjs (`tfjsOnnxRuntime`). Kept out of the root entry so that a strict TypeScript app importing
 * `@fer/runtime` does not type-check tfjs-core's declarations (they need lib "DOM" and `@webgpu/types`'s globals).
 * Importing this entry in a strict app without `skipLibCheck` needs lib "DOM".
 */
export { type ManifestGroup, readManifestWeights, tensorBytes } from "./weights-manifest.js";
export { TFJS_ONNX_OPS, tfjsOnnxRuntime } from "./onnx/tfjs-onnx.js";
