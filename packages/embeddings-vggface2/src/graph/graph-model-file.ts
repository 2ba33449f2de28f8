import path from "node:path";
import { loadGraphModel, type GraphModel } from "@tensorflow/tfjs-converter";
import type * as tf from "@tensorflow/tfjs-core";
import { EmbeddingError } from "../errors.js";
import { readJsonFile, readManifestWeights, type ManifestGroup } from "../weights-manifest.js";

interface GraphModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology?: unknown;
  weightsManifest?: ManifestGroup[];
}

/**
 * Loads a TensorFlow.js graph model (`model.json` with `format: "graph-model"` and its weight shards) from disk,
 * with no network and no tfjs-node. Throws `missing-weights` / `bad-weights-layout` naming the file.
 */
export async function loadGraphModelFile(jsonFile: string): Promise<{ model: GraphModel; bytes: number; generatedBy: string }> {
  const doc = (await readJsonFile(jsonFile)) as GraphModelJson | null;
  if (doc === null || typeof doc !== "object" || doc.modelTopology === undefined || !Array.isArray(doc.weightsManifest)) {
    throw new EmbeddingError("bad-weights-layout", `${jsonFile} is not a TensorFlow.js graph model (no modelTopology / weightsManifest)`, jsonFile);
  }
  // decode once here to check the shards, then hand the raw bytes to the converter
  const tensors = await readManifestWeights(path.dirname(jsonFile), doc.weightsManifest);
  let bytes = 0;
  for (const t of Object.values(tensors)) {
    bytes += t.size * 4;
    t.dispose();
  }
  const { readFile } = await import("node:fs/promises");
  const shards = await Promise.all(doc.weightsManifest.flatMap((g) => g.paths.map((p) => readFile(path.join(path.dirname(jsonFile), p)))));
  const joined = Buffer.concat(shards);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;
  const weightSpecs = doc.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: doc.modelTopology as object,
      weightSpecs,
      weightData,
      format: doc.format ?? "graph-model",
      generatedBy: doc.generatedBy ?? "",
      convertedBy: doc.convertedBy ?? "",
    }),
  };
  const model = await loadGraphModel(handler);
  return { model, bytes, generatedBy: doc.generatedBy ?? "" };
}
