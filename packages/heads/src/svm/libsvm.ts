import { createRequire } from "node:module";

/** Options of libsvm-js's SVM constructor (a subset: the ones the SVM heads use). */
export interface LibsvmOptions {
  type?: string;
  kernel?: string;
  cost?: number;
  gamma?: number;
  degree?: number;
  coef0?: number;
  tolerance?: number;
  cacheSize?: number;
  shrinking?: boolean;
  probabilityEstimates?: boolean;
  quiet?: boolean;
}

/** One probability estimate of libsvm-js. */
export interface LibsvmEstimate {
  label: number;
  probability: number;
}

/** An SVM instance of libsvm-js (a handle to a model living in the WebAssembly heap). */
export interface LibsvmModel {
  train(samples: ArrayLike<number>[], labels: number[]): void;
  predictOne(sample: ArrayLike<number>): number;
  predict(samples: ArrayLike<number>[]): number[];
  predictOneProbability(sample: ArrayLike<number>): { prediction: number; estimates: LibsvmEstimate[] };
  getLabels(): number[];
  getSVIndices(): number[];
  serializeModel(): string;
  free(): void;
}

/** The SVM class of libsvm-js. */
export interface LibsvmClass {
  new (options: LibsvmOptions): LibsvmModel;
  load(serialized: string): LibsvmModel;
  readonly SVM_TYPES: { readonly C_SVC: string };
  readonly KERNEL_TYPES: { readonly LINEAR: string; readonly POLYNOMIAL: string; readonly RBF: string; readonly SIGMOID: string };
}

let loading: Promise<LibsvmClass> | undefined;
let heap: { HEAPU8: Uint8Array } | undefined;

/**
 * Current size in bytes of libsvm-js's WebAssembly heap (0 before it is loaded). The heap only grows; freed models
 * are reused by later ones, so a steady value over fit/dispose cycles shows that nothing leaks.
 */
export function libsvmHeapBytes(): number {
  return heap?.HEAPU8.length ?? 0;
}

/**
 * Loads libsvm-js's WebAssembly build once per process (its module is shared by every SVM: all models live in
 * one WebAssembly heap and must be freed explicitly). Uses the asm.js build instead when `FER_LIBSVM_BUILD=asm`.
 */
export function loadLibsvm(): Promise<LibsvmClass> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    if (process.env["FER_LIBSVM_BUILD"] === "asm") {
      const before = new Set(process.listeners("unhandledRejection"));
      const asm = require("libsvm-js/asm") as LibsvmClass;
      for (const l of process.listeners("unhandledRejection")) if (!before.has(l)) process.removeListener("unhandledRejection", l);
      return asm;
    }
    // What libsvm-js's main entry (wasm.js) does, minus its noise: under Node its emscripten loader first tries
    // fetch() on a file path, fails, prints two lines to stderr and falls back to reading the file. Drop those lines.
    // Its emscripten runtime also installs a process-wide "unhandledRejection" handler that calls process.exit(1),
    // which would silently kill any host program on an unrelated rejected promise: remove the listeners it adds.
    const before = new Set(process.listeners("unhandledRejection"));
    const wasm = require("libsvm-js/out/wasm/libsvm.js") as { load(): Promise<void>; printErr: (msg: string) => void };
    for (const l of process.listeners("unhandledRejection")) if (!before.has(l)) process.removeListener("unhandledRejection", l);
    const printErr = wasm.printErr;
    wasm.printErr = (msg: string) => {
      if (!/^(wasm streaming compile failed|falling back to ArrayBuffer instantiation)/.test(String(msg))) printErr(msg);
    };
    await wasm.load();
    heap = wasm as unknown as { HEAPU8: Uint8Array };
    const loadSVM = require("libsvm-js/src/loadSVM.js") as (m: unknown) => LibsvmClass;
    return loadSVM(wasm);
  })();
  return loading;
}
