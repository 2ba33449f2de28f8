/// <reference lib="dom" />
// The browser entry of @fer/runtime: the one place a web page's engine is chosen. Nothing here may import a Node
// built-in, `process`, or onnxruntime-node (test/web-entries.test.ts in @fer/pipeline walks the import graph).
import * as ort from "onnxruntime-web/wasm";

/** An onnxruntime-web session. */
export type WebSession = ort.InferenceSession;

/** The onnxruntime-web execution providers fer's web entries can use. */
export type WebExecutionProvider = "wasm" | "webgpu";

/** onnxruntime-web's module: the WebAssembly build (imported statically) or its WebGPU build (imported on demand). */
type OrtModule = typeof ort;

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
  /**
   * onnxruntime-web execution providers, in order of preference (onnxruntime falls back to the next one for what the
   * first cannot run). Default `["wasm"]`. `["webgpu", "wasm"]` is opt-in: it loads onnxruntime-web's WebGPU build
   * (`onnxruntime-web/webgpu`, imported only then, in its own chunk), which also needs
   * `ort-wasm-simd-threaded.asyncify.{mjs,wasm}` served at `wasmPaths`, and a browser with a WebGPU adapter
   * (`navigator.gpu`); sessions fail with `model-load` otherwise. Measured only on a software adapter (README).
   */
  executionProviders?: readonly WebExecutionProvider[];
}

/** What {@link configureWebEngine} set. */
export interface WebEngineInfo {
  /** `onnxruntime-web/wasm`, or `onnxruntime-web/webgpu` when the execution providers include WebGPU. */
  readonly engine: "onnxruntime-web/wasm" | "onnxruntime-web/webgpu";
  readonly executionProviders: readonly WebExecutionProvider[];
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
}

let configured: WebEngineInfo | undefined;
let wasmPaths: string | undefined;
let webgpuModule: Promise<OrtModule> | undefined;
/** The module each session was made by (its `Tensor` class is the one its `run` accepts). */
const sessionModules = new WeakMap<WebSession, OrtModule>();
/**
 * Sessions are created one at a time: onnxruntime-web's WebGPU provider refuses a second one while one is being
 * created ("another WebGPU EP inference session is being created"). The models' downloads still overlap.
 */
let creating: Promise<unknown> = Promise.resolve();

/**
 * Chooses the browser engine: onnxruntime-web's WebAssembly build (SIMD), the engine fer's web entries use by default
 * (YuNet exists only as ONNX; same kernels as onnxruntime-node, so results match Node), or, opt-in, its WebGPU
 * build (`executionProviders: ["webgpu", "wasm"]`). Call it before the first session; later calls change nothing
 * once a session exists. Returns what was set.
 * @throws {WebEngineError} `bad-option` for a thread count that is not a positive whole number or unknown providers.
 */
export function configureWebEngine(options: WebEngineOptions = {}): WebEngineInfo {
  const wanted = options.threads ?? 1;
  if (!Number.isInteger(wanted) || wanted < 1) throw new WebEngineError("bad-option", `threads must be a positive whole number, got ${String(options.threads)}`);
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const threads = isolated ? wanted : 1;
  const providers = options.executionProviders ?? ["wasm"];
  if (providers.length === 0 || providers.some((p) => p !== "wasm" && p !== "webgpu")) {
    throw new WebEngineError("bad-option", `executionProviders must be a non-empty list of "wasm" and "webgpu", got ${JSON.stringify(options.executionProviders)}`);
  }
  ort.env.wasm.numThreads = threads;
  if (options.wasmPaths !== undefined) {
    wasmPaths = options.wasmPaths;
    ort.env.wasm.wasmPaths = options.wasmPaths;
  }
  const webgpu = providers.includes("webgpu");
  configured = { engine: webgpu ? "onnxruntime-web/webgpu" : "onnxruntime-web/wasm", executionProviders: [...providers], threads, crossOriginIsolated: isolated };
  return configured;
}

/** The onnxruntime-web module for the configured engine (the WebGPU build is imported on first use, set up as the wasm one). */
async function ortModule(info: WebEngineInfo): Promise<OrtModule> {
  if (info.engine === "onnxruntime-web/wasm") return ort;
  webgpuModule ??= import("onnxruntime-web/webgpu").then((m: OrtModule) => {
    m.env.wasm.numThreads = info.threads;
    if (wasmPaths !== undefined) m.env.wasm.wasmPaths = wasmPaths;
    return m;
  });
  return webgpuModule;
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
  const info = webEngineInfo();
  const create = async (): Promise<WebSession> => {
    try {
      const m = await ortModule(info);
      const session = await m.InferenceSession.create(model, { executionProviders: [...info.executionProviders], graphOptimizationLevel: "all" });
      sessionModules.set(session, m);
      return session;
    } catch (e) {
      throw new WebEngineError("model-load", `onnxruntime-web cannot load ${what}: ${(e as Error).message}`, { cause: e });
    }
  };
  const next = creating.then(create, create);
  creating = next.catch(() => undefined);
  return next;
}

/** Runs `session` on one float32 input; resolves to the named outputs' data, in the order asked. */
export async function runWebSession(session: WebSession, input: string, data: Float32Array, dims: readonly number[], outputs: readonly string[]): Promise<Float32Array[]> {
  const m = sessionModules.get(session) ?? ort;
  const result = await session.run({ [input]: new m.Tensor("float32", data, dims) }, outputs);
  return outputs.map((name) => result[name]!.data as Float32Array);
}
