import { readFile } from "node:fs/promises";
import { FaceDetectError } from "./errors.js";
import { createOnnxRunner, type NetworkRunner } from "./network-runner.js";
import { resolveEngine } from "./onnxruntime.js";

/**
 * An onnxruntime runner on an ONNX file shipped with (or given to) a detector whose network exists only as ONNX
 * (YuNet, UltraFace): no tfjs fallback, so `onnxruntime-node` must be installed.
 * @throws {FaceDetectError} `engine-unavailable` when `onnxruntime-node` cannot be loaded; `model-load` when the file
 * cannot be read or onnxruntime refuses it (the message names the file and the cause).
 */
export async function createOnnxFileRunner(
  detector: string,
  file: string,
  input: string,
  outputs: readonly string[],
  threads: number | undefined,
): Promise<NetworkRunner> {
  let engine;
  try {
    engine = await resolveEngine("onnxruntime");
  } catch (e) {
    throw new FaceDetectError(
      "engine-unavailable",
      `the ${detector} detector runs only on onnxruntime, and onnxruntime-node could not be loaded (npm i onnxruntime-node): ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (engine.engine !== "onnxruntime") throw new FaceDetectError("engine-unavailable", `the ${detector} detector runs only on onnxruntime`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new FaceDetectError("model-load", `cannot read the ${detector} model ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return await createOnnxRunner(engine.ort, bytes, outputs, { threads, input: { name: input, layout: "nchw" } });
  } catch (e) {
    throw new FaceDetectError("model-load", `onnxruntime cannot load the ${detector} model ${file}: ${(e as Error).message}`, { cause: e });
  }
}
