import { initBackend, type BackendName } from "@fer/runtime";

/** The tfjs backend for the DNN tests: FER_TF_BACKEND if set, else WebAssembly (the cpu backend is far too slow). */
export function initTestBackend(): Promise<unknown> {
  return initBackend({ backend: (process.env.FER_TF_BACKEND as BackendName | undefined) ?? "wasm" });
}
