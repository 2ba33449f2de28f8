import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";

/*
 * tfjs-backend-wasm ships a threaded SIMD build but turns it off in Node: its pthread workers are
 * created from Blob URLs, which Node's worker_threads cannot load, and its C++ side sizes the
 * XNNPACK thread pool as (logical cores / 2), i.e. 1 thread on a 2-core machine. This shim (written
 * against tfjs-backend-wasm 4.22.0, checked at run time) starts the workers from the worker source
 * instead, and reports the core count that gives the pool the size we ask for, only while the
 * module initialises.
 */

const require = createRequire(import.meta.url);
const WORKER_LOAD =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

let patched = false;

/**
 * Prepares the threaded WebAssembly build for Node with `threads` XNNPACK threads. Must run before the
 * wasm backend is first initialised. Returns a function that undoes the temporary core-count override
 * (call it once the backend is ready), or undefined when this tfjs-backend-wasm build is not the one the
 * shim knows, in which case the single-threaded build is used.
 */
export function prepareThreadedWasm(threads: number): (() => void) | undefined {
  let contents: string;
  let factoryPath: string;
  try {
    contents = (require("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js") as { wasmWorkerContents: string })
      .wasmWorkerContents;
    factoryPath = require.resolve("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js");
  } catch {
    return undefined;
  }
  if (!contents.includes(WORKER_LOAD)) return undefined;
  const workerSource = contents
    .replace(/\n/g, "\\n") // the source is embedded in a template string; keep its escapes
    .replace(WORKER_LOAD, `globalThis.WasmBackendModuleThreadedSimd=require(${JSON.stringify(factoryPath)});`);
  const workerThreads = require("node:worker_threads") as typeof import("node:worker_threads") & { Worker: unknown };
  if (!patched) {
    const Base = workerThreads.Worker;
    workerThreads.Worker = class extends Base {
      constructor(file: string | URL, options?: import("node:worker_threads").WorkerOptions) {
        const pthread = typeof file === "string" && file.startsWith("blob:");
        super(pthread ? workerSource : file, pthread ? { ...options, eval: true } : options);
        // Idle pthread workers must not keep a finished Node process alive.
        if (pthread) this.unref();
      }
    };
    patched = true;
  }
  const os = require("node:os") as { cpus: () => unknown[] };
  const realCpus = os.cpus;
  os.cpus = () => Array.from({ length: threads * 2 }, () => realCpus()[0]);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  return () => {
    os.cpus = realCpus;
  };
}
