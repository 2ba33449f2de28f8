export {
  type BackendInfo,
  type BackendName,
  BackendUnavailableError,
  describeBackend,
  initBackend,
  type InitBackendOptions,
} from "./select-backend.js";
export { registerWasmGradientKernels } from "./wasm-gradients.js";
