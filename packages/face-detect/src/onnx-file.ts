import { readFile } from "node:fs/promises";
import { FaceDetectError } from "./errors.js";
import { createOnnxRunner, engineRuntime, type NetworkRunner } from "./network-runner.js";
import { resolveEngine, type DetectorEngine } from "./onnxruntime.js";

/**
 * A runner on an ONNX file shipped with (or given to) a detector (YuNet, UltraFace), on the engine asked for:
 * onnxruntime, or the tfjs interpreter of `@fer/runtime/tfjs` (see `resolveEngine`).
 * @throws {FaceDetectError} `bad-option` for an unknown engine; `engine-unavailable` when `onnxruntime` is asked for
 * and `onnxruntime-node` cannot be loaded; `model-load` when the file cannot be read or the engine refuses it (the
 * message names the file and the cause).
 */
export async function createOnnxFileRunner(
  detector: string,
  file: string,
  input: string,
  outputs: readonly string[],
  options: { engine?: DetectorEngine; threads?: number },
): Promise<{ runner: NetworkRunner; engine: "onnxruntime" | "tfjs" }> {
  const engine = await resolveEngine(options.engine);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new FaceDetectError("model-load", `cannot read the ${detector} model ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const runner = await createOnnxRunner(engineRuntime(engine), bytes, outputs, { threads: options.threads, input: { name: input, layout: "nchw" } });
    return { runner, engine: engine.engine };
  } catch (e) {
    throw new FaceDetectError("model-load", `${engine.engine} cannot load the ${detector} model ${file}: ${(e as Error).message}`, { cause: e });
  }
}
