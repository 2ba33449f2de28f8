import { createRequire } from "node:module";
import { requirePatchedGlue } from "./libsvm-glue.js";

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
  predictOneProbability(sample: ArrayLike<number>): { prediction: number; estimates: LibsvmEstimate[] };
  getLabels(): number[];
  getSVIndices(): number[];
  serializeModel(): string;
  free(): void;
}

/** The SVM class of libsvm-js. */
export interface LibsvmClass {
  new (options: LibsvmOptions): LibsvmModel;
  /** libsvm-js's own loader: unsafe for large models (see loadLibsvm); kept for the library check script. */
  load(serialized: string): LibsvmModel;
  readonly SVM_TYPES: { readonly C_SVC: string };
  readonly KERNEL_TYPES: { readonly LINEAR: string; readonly RBF: string };
}

/** The emscripten module behind libsvm-js (the parts we use). */
interface EmscriptenModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _deserialize_model(ptr: number): number;
  printErr: (msg: string) => void;
  load?: () => Promise<void>;
}

/** libsvm-js loaded: its SVM class and the module whose heap holds every model. */
export interface Libsvm {
  readonly SVM: LibsvmClass;
  /** Loads a model from libsvm's text format safely (see {@link Libsvm.deserialize} notes in loadLibsvm). */
  deserialize(text: string): LibsvmModel;
  /** Current size in bytes of the WebAssembly (or asm.js) heap. */
  heapBytes(): number;
}

let loading: Promise<Libsvm> | undefined;
let loaded: Libsvm | undefined;

/**
 * Current size in bytes of libsvm-js's heap (0 before it is loaded). The heap only grows; freed models are reused
 * by later ones, so a steady value over fit/dispose cycles shows that nothing leaks.
 */
export function libsvmHeapBytes(): number {
  return loaded?.heapBytes() ?? 0;
}

/**
 * Loads libsvm-js once per process: the WebAssembly build, or the asm.js build when `FER_LIBSVM_BUILD=asm`.
 * All SVMs share one heap that the garbage collector does not manage: every model must be freed explicitly.
 *
 * Works around four problems of libsvm-js 0.2.1 under Node:
 * - its emscripten runtime installs a process-wide "unhandledRejection" handler calling process.exit(1), which
 *   would silently kill the host program on any unrelated rejected promise: the handlers it adds are removed;
 * - its wasm loader first tries fetch() on a file path and prints two warnings before falling back: dropped;
 * - `SVM.load(text)` passes the model text through emscripten's stack (4 bytes per character, 5 MB stack): a model
 *   text over ~1.3 MB (a few thousand support vectors) overflows the stack and silently corrupts the models
 *   already in the heap. {@link Libsvm.deserialize} copies the text into the heap with malloc instead;
 * - `serializeModel()` passes the model text through an in-memory file kept as a JavaScript array of one element per
 *   byte, and V8 aborts the process above ~112.8 MB of text: the runtime is loaded with that file kept in a typed
 *   array (see `patchGlueSource` in libsvm-glue.ts).
 */
export function loadLibsvm(): Promise<Libsvm> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const asm = process.env["FER_LIBSVM_BUILD"] === "asm";
    const before = new Set(process.listeners("unhandledRejection"));
    const mod = requirePatchedGlue(asm ? "libsvm-js/out/asm/libsvm.js" : "libsvm-js/out/wasm/libsvm.js") as EmscriptenModule;
    for (const l of process.listeners("unhandledRejection")) if (!before.has(l)) process.removeListener("unhandledRejection", l);
    const printErr = mod.printErr;
    mod.printErr = (msg: string) => {
      if (!/^(wasm streaming compile failed|falling back to ArrayBuffer instantiation)/.test(String(msg))) printErr(msg);
    };
    if (!asm && mod.load) await mod.load();
    const SVM = (require("libsvm-js/src/loadSVM.js") as (m: unknown) => LibsvmClass)(mod);
    const lib: Libsvm = {
      SVM,
      deserialize(text: string): LibsvmModel {
        const bytes = Buffer.from(text, "latin1");
        const ptr = mod._malloc(bytes.length + 1);
        if (!ptr) throw new Error("libsvm: out of memory loading a model");
        try {
          mod.HEAPU8.set(bytes, ptr);
          mod.HEAPU8[ptr + bytes.length] = 0;
          const model = mod._deserialize_model(ptr);
          // The same wrapper SVM.load() builds, minus its stack-allocated copy of the text.
          const svm = new SVM({}) as LibsvmModel & { model: number; _deserialized: boolean };
          svm.model = model;
          svm._deserialized = true;
          return svm;
        } finally {
          mod._free(ptr);
        }
      },
      heapBytes: () => mod.HEAPU8.length,
    };
    loaded = lib;
    return lib;
  })();
  return loading;
}
