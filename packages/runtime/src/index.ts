export {
  type BackendInfo,
  type BackendName,
  BackendUnavailableError,
  describeBackend,
  initBackend,
  type InitBackendOptions,
} from "./backend/select-backend.js";
export { ensureBackend } from "./backend/ensure-backend.js";
export { registerWasmGradientKernels } from "./backend/wasm-gradients.js";
export { type OnnxAttribute, type OnnxDim, OnnxGraphBuilder } from "./onnx/onnx-model.js";
export {
  type OnnxConstant,
  type OnnxElemType,
  OnnxModelError,
  type OnnxModelGraph,
  type OnnxNode,
  type OnnxNodeAttribute,
  type OnnxValueInfo,
  readOnnxModel,
} from "./onnx/onnx-reader.js";
export {
  createCpuSession,
  EngineError,
  type InferenceEngine,
  liveOnnxSessions,
  loadOnnxRuntime,
  type OnnxRuntime,
  type OnnxSession,
  type OnnxTensor,
  resolveEngine,
  type ResolvedEngine,
} from "./onnx/runtime.js";
export { createProgressBar, formatDuration, type ProgressBar, type ProgressBarOptions } from "./progress.js";
export { readJsonFile, WeightsFileError } from "./json-file.js";
