import { createRequire } from "node:module";
import path from "node:path";
import type * as tf from "@tensorflow/tfjs-core";
import { readJsonFile } from "@fer/runtime";
import { readManifestWeights, type ManifestGroup } from "@fer/runtime/tfjs";
import { FaceDetectError } from "./errors.js";

/**
 * The folder of model files shipped in the `@vladmandic/face-api` npm package (MIT; the weights are face-api.js's, by
 * Vincent Mühler, MIT), an optional peer dependency that only the face-api networks need (`ssd-mobilenet-v1`,
 * `tiny-face`: their weights).
 * @param detector the detector that asks, named in the error.
 * @throws {FaceDetectError} `missing-package` naming the package and how to install it when it is not installed.
 */
export function faceApiModelDir(detector: string): string {
  const require = createRequire(import.meta.url);
  try {
    return path.join(path.dirname(require.resolve("@vladmandic/face-api/package.json")), "model");
  } catch (cause) {
    throw new FaceDetectError(
      "missing-package",
      `the ${detector} detector reads its weights from the optional package @vladmandic/face-api, which is not installed (npm i @vladmandic/face-api@1.7.15), or pass modelDir`,
      { cause },
    );
  }
}

/**
 * Reads a tfjs weights manifest and its binary shards from disk (no network) and decodes them,
 * de-quantising uint8 weights, into named float tensors owned by the caller (`readManifestWeights` of `@fer/runtime/tfjs`).
 * @param dir folder holding `<model>-weights_manifest.json` and its `.bin` shards
 * @param model model name, e.g. `ssd_mobilenetv1_model`
 * @throws {FaceDetectError} `model-load` if a file is missing or malformed.
 */
export async function loadWeightsFromDisk(dir: string, model: string): Promise<tf.NamedTensorMap> {
  const manifestPath = path.join(dir, `${model}-weights_manifest.json`);
  let groups: ManifestGroup[];
  try {
    groups = (await readJsonFile(manifestPath)) as ManifestGroup[];
    if (!Array.isArray(groups)) throw new Error("manifest is not an array");
  } catch (cause) {
    throw new FaceDetectError("model-load", `cannot read weights manifest ${manifestPath}`, { cause });
  }
  try {
    return await readManifestWeights(dir, groups);
  } catch (cause) {
    throw new FaceDetectError("model-load", `cannot read the weights of ${model} in ${dir}: ${(cause as Error).message}`, { cause });
  }
}

/** Returns the tensor named `name` or throws `model-load` naming the model. */
export function weight(map: tf.NamedTensorMap, name: string, model: string): tf.Tensor {
  const t = map[name];
  if (t === undefined) throw new FaceDetectError("model-load", `${model}: weight ${name} is missing`);
  return t;
}
