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
// The ONNX writer and reader: the public entry @fer/runtime/onnx, whose named exports are listed there.
export * from "./onnx/index.js";
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
