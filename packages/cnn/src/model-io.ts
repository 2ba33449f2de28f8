import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { tfl as tfLayers } from "./tfjs-layers.js";
import { writeFilesAtomically } from "@fer/preprocess/node";
import type { ModelCard } from "./model-card.js";
import { ModelFolderError, readModelCard, writeModelCard } from "./model-folder.js";
import { MODEL_JSON, readModelJson, readWeightData, WEIGHTS_BIN } from "./model-files.js";

export { ModelFolderError, readModelCard, writeModelCard };

function concatBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

/** A layers model as the two files of a tfjs layers folder: model.json (topology, weight manifest) and weights.bin. */
export async function layersModelFiles(model: tfl.LayersModel): Promise<{ [MODEL_JSON]: string; [WEIGHTS_BIN]: Uint8Array }> {
  let files: { [MODEL_JSON]: string; [WEIGHTS_BIN]: Uint8Array } | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = concatBuffers(artifacts.weightData ?? new ArrayBuffer(0));
      const modelJson = {
        format: "layers-model",
        generatedBy: `TensorFlow.js tfjs-layers v${tfLayers.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      files = { [MODEL_JSON]: JSON.stringify(modelJson), [WEIGHTS_BIN]: weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON", weightDataBytes: weights.byteLength } };
    }),
  );
  return files!;
}

/** Saves a layers model as model.json + weights.bin in `dir` (tfjs layers format, loadable by tf.loadLayersModel). */
export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<void> {
  const files = await layersModelFiles(model);
  // weights first, then the graph that names them: a reader never sees a model.json without its weights
  await writeFilesAtomically([
    { path: join(dir, WEIGHTS_BIN), data: files[WEIGHTS_BIN] },
    { path: join(dir, MODEL_JSON), data: files[MODEL_JSON] },
  ]);
}

/** Loads a layers model saved by {@link saveLayersModel} (or any tfjs layers folder), after the checks of `readWeightData`. */
export async function loadLayersModel(dir: string): Promise<tfl.LayersModel> {
  const json = await readModelJson(dir);
  const { data, entries } = await readWeightData(dir, json);
  return tfLayers.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: entries as tf.io.WeightsManifestEntry[],
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
    }),
  );
}

/** Saves a model and its card into `dir`. */
export async function saveModelFolder(model: tfl.LayersModel, card: ModelCard, dir: string): Promise<void> {
  await saveLayersModel(model, dir);
  await writeModelCard(dir, card);
}
