/// <reference lib="dom" />
// The browser entry of @fer/runtime: the one place a web page's engine is chosen. Nothing here may import a Node
// built-in, `process`, or onnxruntime-node (test/web-entries.test.ts in @fer/pipeline walks the import graph).
import * as ort from "onnxruntime-web/wasm";

/** An onnxruntime-web session. */
export type WebSession = ort.InferenceSession;

/** Thrown when a model cannot be fetched (`fetch`, naming the URL and the HTTP status) or onnxruntime-web refuses it (`model-load`). */
export class WebEngineError extends Error {
  constructor(
    readonly kind: "fetch" | "model-load" | "bad-option",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "WebEngineError";
  }
}

/** Options of {@link configureWebEngine}. */
export interface WebEngineOptions {
  /**
   * WebAssembly threads. Default 1. More than 1 takes effect only when the page is cross-origin isolated
   * (`crossOriginIsolated`: the server sends `Cross-Origin-Opener-Policy: same-origin` and
   * `Cross-Origin-Embedder-Policy: require-corp`); otherwise 1. On the 2-core dev machine 2 threads were slower than 1
   * (README).
   */
  threads?: number;
  /**
   * Where onnxruntime-web finds `ort-wasm-simd-threaded.{mjs,wasm}` (a URL prefix ending in `/`). Serve those two files
   * of `node_modules/onnxruntime-web/dist` from your app (never a CDN by default); see the README for Vite.
   */
  wasmPaths?: string;
}

/** What {@link configureWebEngine} set. */
export interface WebEngineInfo {
  readonly engine: "onnxruntime-web/wasm";
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
}

let configured: WebEngineInfo | undefined;

/**
 * Chooses the browser engine: onnxruntime-web's WebAssembly build (SIMD), the only engine fer's web entries use
 * (YuNet exists only as ONNX; same kernels as onnxruntime-node, so results match Node). Call it before the first
 * session; later calls change nothing once a session exists. Returns what was set.
 * @throws {WebEngineError} `bad-option` for a thread count that is not a positive whole number.
 */
export function configureWebEngine(options: WebEngineOptions = {}): WebEngineInfo {
  const wanted = options.threads ?? 1;
  if (!Number.isInteger(wanted) || wanted < 1) throw new WebEngineError("bad-option", `threads must be a positive whole number, got ${String(options.threads)}`);
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const threads = isolated ? wanted : 1;
  ort.env.wasm.numThreads = threads;
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  configured = { engine: "onnxruntime-web/wasm", threads, crossOriginIsolated: isolated };
  return configured;
}

/** The engine settings in force (the defaults of {@link configureWebEngine} when it was not called). */
export function webEngineInfo(): WebEngineInfo {
  return configured ?? configureWebEngine();
}

/**
 * The bytes at `url` (a model the app serves).
 * @throws {WebEngineError} `fetch`, naming the URL and the HTTP status or network error.
 */
export async function fetchBytes(url: string | URL): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new WebEngineError("fetch", `cannot fetch ${String(url)}: ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok) throw new WebEngineError("fetch", `cannot fetch ${String(url)}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * An onnxruntime-web session (wasm, every graph optimisation) on a model in memory.
 * @param what names the model in errors (a URL or a file name)
 * @throws {WebEngineError} `model-load` when onnxruntime-web refuses the bytes.
 */
export async function createWebSession(model: Uint8Array, what: string): Promise<WebSession> {
  webEngineInfo();
  try {
    return await ort.InferenceSession.create(model, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  } catch (e) {
    throw new WebEngineError("model-load", `onnxruntime-web cannot load ${what}: ${(e as Error).message}`, { cause: e });
  }
}

/** Runs `session` on one float32 input; resolves to the named outputs' data, in the order asked. */
export async function runWebSession(session: WebSession, input: string, data: Float32Array, dims: readonly number[], outputs: readonly string[]): Promise<Float32Array[]> {
  const result = await session.run({ [input]: new ort.Tensor("float32", data, dims) }, outputs);
  return outputs.map((name) => result[name]!.data as Float32Array);
}
