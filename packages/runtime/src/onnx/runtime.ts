/** What runs a network at inference: onnxruntime, tfjs (on the backend `initBackend` picks), or `auto`. */
export type InferenceEngine = "auto" | "onnxruntime" | "tfjs";

// The parts of `onnxruntime-node` fer uses, declared here so that fer's published types do not need the optional
// package to be installed.
/** An onnxruntime tensor. */
export interface OnnxTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** An onnxruntime inference session. */
export interface OnnxSession {
  run(feeds: Record<string, OnnxTensor>, fetches?: readonly string[]): Promise<Record<string, OnnxTensor>>;
  release(): Promise<void>;
}

/** The `onnxruntime-node` module (the parts fer uses). */
export interface OnnxRuntime {
  readonly InferenceSession: {
    create(
      model: Uint8Array,
      options?: {
        executionProviders?: string[];
        graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
        intraOpNumThreads?: number;
        logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
      },
    ): Promise<OnnxSession>;
  };
  readonly Tensor: new (type: "float32", data: Float32Array, dims: readonly number[]) => OnnxTensor;
}

/** A resolved engine: onnxruntime with its module, or tfjs. */
export type ResolvedEngine = { engine: "onnxruntime"; ort: OnnxRuntime } | { engine: "tfjs" };

/** Thrown for an unknown engine name (`bad-option`) or for onnxruntime asked for but not installed (`missing`). */
export class EngineError extends Error {
  constructor(
    readonly kind: "bad-option" | "missing",
    message: string,
  ) {
    super(message);
    this.name = "EngineError";
  }
}

let loading: Promise<OnnxRuntime | undefined> | undefined;

/**
 * Loads `onnxruntime-node` (an optional peer dependency: CPU kernels with AVX2/FMA, several times faster than tfjs's
 * WebAssembly backend for fer's networks) once per process; `undefined` when it is not installed or cannot load.
 */
export function loadOnnxRuntime(): Promise<OnnxRuntime | undefined> {
  loading ??= import("onnxruntime-node").then(
    (m) => (typeof m.InferenceSession === "function" ? m : m.default) as unknown as OnnxRuntime,
    () => undefined,
  );
  return loading;
}

/**
 * The one place fer picks an inference engine. `auto` (or no choice) is onnxruntime when `onnxruntime-node` is
 * installed, else tfjs; the `FER_ENGINE` environment variable (`onnxruntime` or `tfjs`) replaces `auto`.
 * @throws {EngineError} for an unknown name, or when onnxruntime is asked for and cannot be loaded.
 */
export async function resolveEngine(requested?: InferenceEngine): Promise<ResolvedEngine> {
  const fromEnv = process.env.FER_ENGINE;
  const wanted = requested === undefined || requested === "auto" ? (fromEnv === undefined || fromEnv === "" ? "auto" : fromEnv) : requested;
  if (wanted !== "auto" && wanted !== "onnxruntime" && wanted !== "tfjs") {
    throw new EngineError("bad-option", `engine must be auto, onnxruntime or tfjs, got "${wanted}"`);
  }
  if (wanted === "tfjs") return { engine: "tfjs" };
  const ort = await loadOnnxRuntime();
  if (ort !== undefined) return { engine: "onnxruntime", ort };
  if (wanted === "onnxruntime") {
    throw new EngineError("missing", "engine onnxruntime asked for, but the onnxruntime-node package is not installed (npm i onnxruntime-node)");
  }
  return { engine: "tfjs" };
}

/**
 * An onnxruntime CPU session on a model held in memory, with every graph optimisation on (onnxruntime fuses each
 * convolution with its activation and picks blocked memory layouts for the CPU). `threads`: intra-op threads;
 * default onnxruntime's (one per physical core). `optimization: "extended"` leaves out the blocked layouts, which only
 * pay for convolutions with constant weights (a training graph's weights are feeds). onnxruntime logs errors only.
 */
export async function createCpuSession(ort: OnnxRuntime, model: Uint8Array, threads?: number, optimization: "extended" | "all" = "all"): Promise<OnnxSession> {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: optimization,
    // Errors only: at warning level onnxruntime prints a line per initializer it does not need (about 100 for UltraFace).
    logSeverityLevel: 3,
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
  });
  liveSessions++;
  let released = false;
  return {
    run: (feeds, fetches) => (fetches === undefined ? session.run(feeds) : session.run(feeds, fetches)),
    release() {
      if (released) return Promise.resolve();
      released = true;
      liveSessions--;
      return session.release();
    },
  };
}

let liveSessions = 0;

/**
 * Number of sessions made by {@link createCpuSession} and not yet released: what a `dispose()` that frees its
 * onnxruntime sessions brings back down (tests check it).
 */
export function liveOnnxSessions(): number {
  return liveSessions;
}
