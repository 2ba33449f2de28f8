export * from "./select-backend.js";
export { registerWasmGradientKernels } from "./wasm-gradients.js";
