import { existsSync, statSync } from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { EmbeddingError } from "../errors.js";
import { readJsonFile, readManifestWeights, type ManifestGroup } from "../weights-manifest.js";
import type { WeightLookup } from "./assign-weights.js";

/**
 * Reads the weights of a TensorFlow.js layers model folder (`model.json` with `format: "layers-model"` and a
 * `weightsManifest`, plus its `.bin` shards, e.g. from `tensorflowjs_converter --input_format keras`) into a
 * lookup by layer and short weight name. The topology in model.json is not used: the weights go into this
 * package's own ResNet-50, matched by name. Throws `missing-weights` / `bad-weights-layout` naming the file.
 */
export async function readLayersModelFolder(folder: string): Promise<WeightLookup> {
  const abs = path.resolve(folder);
  if (!existsSync(abs)) throw new EmbeddingError("missing-weights", `VGGFace2 weights folder ${abs} does not exist`, abs);
  const json = statSync(abs).isDirectory() ? path.join(abs, "model.json") : abs;
  const doc = (await readJsonFile(json)) as { format?: string; weightsManifest?: ManifestGroup[] } | null;
  if (doc === null || typeof doc !== "object" || !Array.isArray(doc.weightsManifest)) {
    throw new EmbeddingError("bad-weights-layout", `${json} is not a TensorFlow.js model.json (no weightsManifest)`, json);
  }
  if (doc.format !== undefined && doc.format !== "layers-model") {
    throw new EmbeddingError("bad-weights-layout", `${json} is a "${doc.format}", not a "layers-model"`, json);
  }
  const tensors = await readManifestWeights(path.dirname(json), doc.weightsManifest);
  const byName = new Map<string, { shape: number[]; data: Float32Array }>();
  try {
    for (const [name, t] of Object.entries(tensors)) byName.set(name.replace(/:\d+$/, ""), { shape: t.shape, data: t.dataSync() as Float32Array });
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return (layer, short) => {
    const exact = byName.get(`${layer}/${short}`);
    if (exact) return exact;
    // converters may prefix the model name: "<model>/<layer>/<short>"
    for (const [name, v] of byName) if (name.endsWith(`/${layer}/${short}`)) return v;
    return undefined;
  };
}
