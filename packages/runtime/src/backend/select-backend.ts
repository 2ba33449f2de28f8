import * as tf from "@tensorflow/tfjs-core";
import { registerWasmGradientKernels } from "./wasm-gradients.js";
import { prepareThreadedWasm } from "./wasm-threads.js";

/** A TensorFlow.js backend fer can run on. `tensorflow` is tfjs-node(-gpu)'s native libtensorflow. */
export type BackendName = "tensorflow" | "wasm" | "cpu";

/** What {@link initBackend} chose. */
export interface BackendInfo {
  /** The active tfjs backend. */
  readonly name: BackendName;
  /** The npm package that provides it. */
  readonly package: string;
  /** Threads it computes with (1 for the single-threaded wasm build). */
  readonly threads: number;
  /** Why it was chosen (forced by option or env, or the first one available). */
  readonly reason: string;
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Force a backend; default `process.env.FER_TF_BACKEND`, else the first available of tensorflow, wasm, cpu. */
  readonly backend?: BackendName | "auto";
  /**
   * Threads for the WebAssembly backend; default `process.env.FER_WASM_THREADS`, else 1. More than 1 uses
   * tfjs's threaded SIMD build through fer's Node shim (see wasm-threads.ts).
   */
  readonly wasmThreads?: number;
}

const NATIVE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/** Thrown when a forced backend cannot be loaded. */
export class BackendUnavailableError extends Error {
  constructor(readonly backend: string, detail: string) {
    super(`TensorFlow.js backend '${backend}' is not available: ${detail}`);
    this.name = "BackendUnavailableError";
  }
}

async function tryNative(): Promise<BackendInfo | undefined> {
  for (const pkg of NATIVE_PACKAGES) {
    try {
      // Optional peer dependencies: a plain string variable keeps bundlers and tsc from resolving them.
      const name: string = pkg;
      await import(name);
      if (await tf.setBackend("tensorflow")) {
        return { name: "tensorflow", package: pkg, threads: 0, reason: "" };
      }
    } catch {
      // not installed, or its native library failed to load: try the next one
    }
  }
  return undefined;
}

const PROCESS_EVENTS = ["uncaughtException", "unhandledRejection"] as const;

/**
 * Runs `init`, then removes the `uncaughtException` / `unhandledRejection` listeners it added to the process.
 * tfjs-backend-wasm's Emscripten module installs both when it is instantiated in Node (they rethrow, so any uncaught
 * error of the host app then ends with exit code 7 and a stack in tf-backend-wasm); they only serve Emscripten's own
 * `exit()`, which tfjs never calls. A library must leave the host process's error handling alone.
 */
async function keepingProcessHandlers<T>(init: () => Promise<T>): Promise<T> {
  const host: NodeJS.EventEmitter = process;
  const before = PROCESS_EVENTS.map((event) => new Set(host.listeners(event)));
  try {
    return await init();
  } finally {
    PROCESS_EVENTS.forEach((event, i) => {
      for (const listener of host.listeners(event)) {
        if (!before[i]!.has(listener)) host.removeListener(event, listener as (...args: unknown[]) => void);
      }
    });
  }
}

async function tryWasm(threads: number): Promise<BackendInfo | undefined> {
  return keepingProcessHandlers(() => loadWasm(threads));
}

async function loadWasm(threads: number): Promise<BackendInfo | undefined> {
  try {
    await import("@tensorflow/tfjs-backend-wasm");
    registerWasmGradientKernels();
    const restore = threads > 1 ? prepareThreadedWasm(threads) : undefined;
    try {
      if (await tf.setBackend("wasm")) {
        const wasm = (tf.backend() as unknown as { wasm: { tfjs: { getThreadsCount(): number } } }).wasm;
        return { name: "wasm", package: "@tensorflow/tfjs-backend-wasm", threads: wasm.tfjs.getThreadsCount(), reason: "" };
      }
    } finally {
      restore?.();
    }
  } catch {
    // fall through to cpu
  }
  return undefined;
}

async function tryCpu(): Promise<BackendInfo | undefined> {
  await import("@tensorflow/tfjs-backend-cpu");
  return (await tf.setBackend("cpu"))
    ? { name: "cpu", package: "@tensorflow/tfjs-backend-cpu", threads: 1, reason: "" }
    : undefined;
}

function loaders(wasmThreads: number): Record<BackendName, () => Promise<BackendInfo | undefined>> {
  return { tensorflow: tryNative, wasm: () => tryWasm(wasmThreads), cpu: tryCpu };
}

const BACKEND_NAMES: readonly string[] = ["tensorflow", "wasm", "cpu"];

let chosen: { key: string; info: Promise<BackendInfo> } | undefined;

function requested(options: InitBackendOptions): BackendName | "auto" {
  const value = options.backend ?? process.env.FER_TF_BACKEND ?? "auto";
  if (value === "auto" || BACKEND_NAMES.includes(value)) return value as BackendName | "auto";
  throw new BackendUnavailableError(value, "unknown name (use tensorflow, wasm, cpu or auto)");
}

function wasmThreads(options: InitBackendOptions): number {
  const value = options.wasmThreads ?? Number(process.env.FER_WASM_THREADS ?? 1);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`wasm threads must be a positive integer, got ${String(value)}`);
  return value;
}

async function choose(want: BackendName | "auto", forcedBy: string, threads: number): Promise<BackendInfo> {
  const load = loaders(threads);
  if (want !== "auto") {
    const info = await load[want]();
    if (info === undefined) {
      const hint = want === "tensorflow" ? "install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu" : "it failed to load";
      throw new BackendUnavailableError(want, hint);
    }
    return { ...info, reason: `forced by ${forcedBy}` };
  }
  for (const name of ["tensorflow", "wasm", "cpu"] as const) {
    const info = await load[name]();
    if (info !== undefined) return { ...info, reason: "first available of tensorflow, wasm, cpu" };
  }
  throw new BackendUnavailableError("auto", "no TensorFlow.js backend could be loaded");
}

/**
 * Picks and initialises the TensorFlow.js backend for every fer package: `@tensorflow/tfjs-node-gpu`,
 * then `@tensorflow/tfjs-node` when installed (optional peers), else WebAssembly (with fer's training
 * kernels registered), else the pure-JS cpu backend. `FER_TF_BACKEND` or `options.backend` forces one.
 * Calling it again returns the same choice unless a different backend is requested.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const want = requested(options);
  const forcedBy = options.backend !== undefined ? "option" : "FER_TF_BACKEND";
  if (chosen === undefined || (want !== "auto" && chosen.key !== want)) {
    const threads = wasmThreads(options);
    // No gradient is registered here: tfjs-core's Node build has none, and `@fer/cnn/train` (the only code that takes
    // gradients) loads tfjs-layers, which registers them all; inference never loads tfjs-layers.
    const info = choose(want, forcedBy, threads).then(async (i) => {
      await tf.ready();
      return i;
    });
    chosen = { key: want, info };
    info.catch(() => {
      if (chosen?.info === info) chosen = undefined;
    });
  }
  return chosen.info;
}

/** One line naming the backend, for logs and benchmark output. */
export function describeBackend(info: BackendInfo): string {
  return `${info.name} (${info.package}${info.threads > 0 ? `, ${info.threads} thread${info.threads > 1 ? "s" : ""}` : ""}; ${info.reason})`;
}
