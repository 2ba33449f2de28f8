// Reading a model folder's model.json and weights from disk without tfjs: the checks and the CnnDescription are those
// of model-data.ts (which a web page runs on the fetched files); the training side's loadLayersModel reads the same
// files through the same checks.
import { checkWeightData, describeModelData, type ManifestEntry, manifestPaths, MODEL_JSON, type ModelJson, parseModelJson } from "./model-data.js";
import { readOrFail } from "./model-folder.js";
import type { CnnDescription } from "./onnx/cnn-description.js";

export { MODEL_JSON, WEIGHTS_BIN, type ManifestEntry, type ModelJson } from "./model-data.js";

/** Reads and checks a model folder's model.json. @throws {ModelFolderError} */
export async function readModelJson(dir: string): Promise<ModelJson> {
  return parseModelJson(dir, (await readOrFail(dir, MODEL_JSON)).toString("utf8"));
}

/** The bytes of the weight files `json`'s manifest names, in its order. @throws {ModelFolderError} */
async function readWeightFiles(dir: string, json: ModelJson): Promise<Uint8Array[]> {
  return Promise.all(manifestPaths(json).map((p) => readOrFail(dir, p)));
}

/**
 * Reads the weight files a manifest names, back to back, after the checks of `checkWeightData` (long enough, every
 * float32 weight finite).
 * @throws {ModelFolderError}
 */
export async function readWeightData(dir: string, json: ModelJson): Promise<{ data: Uint8Array; entries: ManifestEntry[] }> {
  return checkWeightData(dir, json, await readWeightFiles(dir, json));
}

/**
 * Reads a model folder's model.json and weights into a {@link CnnDescription} (no tfjs): what `loadCnn` runs.
 * Weights must be float32, as `fer train` writes them; every convolution and Dense layer needs its kernel (and bias),
 * every batch normalisation its moving statistics.
 * @throws {ModelFolderError} naming the folder, the file and the cause.
 */
export async function readCnnDescription(dir: string): Promise<CnnDescription> {
  const json = await readModelJson(dir);
  return describeModelData(dir, json, await readWeightFiles(dir, json));
}
