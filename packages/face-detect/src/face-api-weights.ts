import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { FaceDetectError } from "./errors.js";

/** One entry of a tfjs weights manifest (`*-weights_manifest.json`). */
interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** The folder of model files shipped in the `@vladmandic/face-api` npm package (MIT). */
export function faceApiModelDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.join(path.dirname(require.resolve("@vladmandic/face-api/package.json")), "model");
  } catch (cause) {
    throw new FaceDetectError("model-load", "package @vladmandic/face-api is not installed", { cause });
  }
}

/**
 * Reads a tfjs weights manifest and its binary shards from disk (no network) and decodes them,
 * de-quantising uint8 weights, into named float tensors owned by the caller.
 * @param dir folder holding `<model>-weights_manifest.json` and its `.bin` shards
 * @param model model name, e.g. `ssd_mobilenetv1_model`
 * @throws {FaceDetectError} `model-load` if a file is missing or malformed.
 */
export function loadWeightsFromDisk(dir: string, model: string): tf.NamedTensorMap {
  const manifestPath = path.join(dir, `${model}-weights_manifest.json`);
  let groups: ManifestGroup[];
  try {
    groups = JSON.parse(readFileSync(manifestPath, "utf8")) as ManifestGroup[];
    if (!Array.isArray(groups)) throw new Error("manifest is not an array");
  } catch (cause) {
    throw new FaceDetectError("model-load", `cannot read weights manifest ${manifestPath}`, { cause });
  }
  const out: tf.NamedTensorMap = {};
  for (const group of groups) {
    let bytes: Buffer;
    try {
      bytes = Buffer.concat(group.paths.map((p) => readFileSync(path.join(dir, p))));
    } catch (cause) {
      throw new FaceDetectError("model-load", `cannot read weight shards ${group.paths.join(", ")} in ${dir}`, { cause });
    }
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    try {
      Object.assign(out, tf.io.decodeWeights(buffer, group.weights));
    } catch (cause) {
      tf.dispose(out);
      throw new FaceDetectError("model-load", `cannot decode weights of ${model} in ${dir}`, { cause });
    }
  }
  return out;
}

/** Returns the tensor named `name` or throws `model-load` naming the model. */
export function weight(map: tf.NamedTensorMap, name: string, model: string): tf.Tensor {
  const t = map[name];
  if (t === undefined) throw new FaceDetectError("model-load", `${model}: weight ${name} is missing`);
  return t;
}
