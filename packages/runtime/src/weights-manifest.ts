import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { WeightsFileError } from "./json-file.js";

/** One group of a TensorFlow.js weights manifest: binary shard files and the weights they hold, in order. */
export interface ManifestGroup {
  readonly paths: readonly string[];
  readonly weights: readonly tf.io.WeightsManifestEntry[];
}

/**
 * Reads the binary shards of a TensorFlow.js weights manifest from the folder `dir` and decodes every weight
 * (dequantising uint8/uint16/float16 weights) into a name -> tensor map. The caller owns the tensors (on an error,
 * those decoded so far are disposed).
 * Throws `missing-weights` naming the first shard that cannot be read and `bad-weights-layout` when a shard
 * is shorter than the manifest says.
 */
export async function readManifestWeights(dir: string, manifest: readonly ManifestGroup[]): Promise<tf.NamedTensorMap> {
  const out: tf.NamedTensorMap = {};
  try {
    for (const group of manifest) await readGroup(dir, group, out);
  } catch (e) {
    tf.dispose(out);
    throw e;
  }
  return out;
}

async function readGroup(dir: string, group: ManifestGroup, out: tf.NamedTensorMap): Promise<void> {
  {
    const buffers: Buffer[] = [];
    for (const p of group.paths) {
      const file = path.join(dir, p);
      if (!existsSync(file)) throw new WeightsFileError("missing-weights", `weights shard ${file} listed in the manifest does not exist`, file);
      buffers.push(await readFile(file));
    }
    const joined = Buffer.concat(buffers);
    const data = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;
    let decoded: tf.NamedTensorMap;
    try {
      decoded = tf.io.decodeWeights(data, [...group.weights]);
    } catch (e) {
      throw new WeightsFileError("bad-weights-layout", `cannot decode weights ${group.paths.join(", ")} in ${dir}: ${(e as Error).message}`, dir, { cause: e });
    }
    Object.assign(out, decoded);
  }
}

/** Total bytes of a set of tensors (4 per float32 element). */
export function tensorBytes(tensors: Iterable<tf.Tensor>): number {
  let n = 0;
  for (const t of tensors) n += t.size * 4;
  return n;
}
