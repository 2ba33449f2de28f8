import { EngineError, resolveEngine as resolveInferenceEngine, type InferenceEngine, type ResolvedEngine } from "@fer/runtime";
import { FaceDetectError } from "./errors.js";

/** Which engine runs a DNN detector's network (see `resolveEngine` in `@fer/runtime`). */
export type DetectorEngine = InferenceEngine;

/**
 * `resolveEngine` of `@fer/runtime`, with its errors as {@link FaceDetectError}s: `bad-option` for an unknown name,
 * `engine-unavailable` when `onnxruntime` is asked for and `onnxruntime-node` cannot be loaded.
 */
export async function resolveEngine(engine: DetectorEngine | undefined): Promise<ResolvedEngine> {
  try {
    return await resolveInferenceEngine(engine);
  } catch (e) {
    if (e instanceof EngineError) throw new FaceDetectError(e.kind === "bad-option" ? "bad-option" : "engine-unavailable", e.message);
    throw e;
  }
}
