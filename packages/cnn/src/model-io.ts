import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { writeFilesAtomically } from "@fer/preprocess/node";
import type { ModelCard } from "./model-card.js";
import { ModelFolderError, readModelCard, readOrFail, writeModelCard } from "./model-folder.js";

export { ModelFolderError, readModelCard, writeModelCard };

const MODEL_JSON = "model.json";
const WEIGHTS_BIN = "weights.bin";

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
        generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
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

/**
 * Checks the weight data against its manifest before tfjs reads it: long enough (a truncated file made tfjs throw a
 * RangeError deep in its loader), and every float32 weight finite (NaN weights loaded, then failed on every image).
 * Quantized manifests are left to tfjs.
 * @throws {ModelFolderError}
 */
function checkWeights(dir: string, specs: readonly tf.io.WeightsManifestEntry[], data: Uint8Array, files: string): void {
  if (specs.some((s) => s.quantization !== undefined)) return;
  const bytesOf: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
  let offset = 0;
  const bad: string[] = [];
  let badCount = 0;
  for (const spec of specs) {
    const bytes = spec.shape.reduce((a, b) => a * b, 1) * (bytesOf[spec.dtype] ?? 4);
    if (offset + bytes > data.byteLength) {
      const needed = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (bytesOf[s.dtype] ?? 4), 0);
      throw new ModelFolderError(
        dir,
        `${files} is truncated (${data.byteLength} bytes; ${MODEL_JSON}'s manifest needs ${needed}): the file was cut short, copy it again or use another model folder`,
      );
    }
    if (spec.dtype === "float32") {
      const values = new Float32Array(data.buffer.slice(data.byteOffset + offset, data.byteOffset + offset + bytes));
      let n = 0;
      for (const v of values) if (!Number.isFinite(v)) n++;
      if (n > 0) {
        badCount += n;
        bad.push(`${n} in ${spec.name}`);
      }
    }
    offset += bytes;
  }
  if (badCount > 0) {
    throw new ModelFolderError(
      dir,
      `${files} holds NaN or infinite values (${bad.slice(0, 3).join(", ")}${bad.length > 3 ? ", ..." : ""}): the training diverged or the file is damaged; use an earlier checkpoint or retrain`,
    );
  }
}

/** Loads a layers model saved by {@link saveLayersModel} (or any tfjs layers folder with one weights file). */
export async function loadLayersModel(dir: string): Promise<tfl.LayersModel> {
  let json: { modelTopology?: object; weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> };
  try {
    json = JSON.parse((await readOrFail(dir, MODEL_JSON)).toString("utf8"));
  } catch (e) {
    if (e instanceof ModelFolderError) throw e;
    throw new ModelFolderError(dir, `${MODEL_JSON} is not valid JSON`);
  }
  const manifest = json.weightsManifest;
  if (json.modelTopology === undefined || manifest === undefined) {
    throw new ModelFolderError(dir, `${MODEL_JSON} has no modelTopology or weightsManifest`);
  }
  const buffers = await Promise.all(manifest.flatMap((g) => g.paths).map((p) => readOrFail(dir, p)));
  const weightData = concatBuffers(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
  checkWeights(dir, manifest.flatMap((g) => g.weights), weightData, manifest.flatMap((g) => g.paths).map((p) => p.replace(/^\.\//, "")).join(", "));
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: manifest.flatMap((g) => g.weights),
      weightData: weightData.buffer as ArrayBuffer,
    }),
  );
}

/** Saves a model and its card into `dir`. */
export async function saveModelFolder(model: tfl.LayersModel, card: ModelCard, dir: string): Promise<void> {
  await saveLayersModel(model, dir);
  await writeModelCard(dir, card);
}
