// Reading a model folder's model.json and weights without tfjs: the topology becomes a CnnDescription (the reader of
// inference), and the training side's loadLayersModel reads the same files through the same checks.
import { ModelFolderError, readOrFail } from "./model-folder.js";
import { CnnDescriptionError, describeCnn, type CnnDescription, type CnnWeight } from "./onnx/cnn-description.js";
import { batchNormWeights, requiredWeight } from "./onnx/layer-graph.js";

/** File names of a model folder's graph and weights (tfjs layers format). */
export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

/** One weight of a tfjs weights manifest. */
export interface ManifestEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: unknown;
}

/** model.json as tfjs-layers writes it: the Keras topology and the weights manifest. */
export interface ModelJson {
  readonly modelTopology: object;
  readonly weightsManifest: ReadonlyArray<{ readonly paths: readonly string[]; readonly weights: readonly ManifestEntry[] }>;
}

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };
const bytesOf = (e: ManifestEntry) => e.shape.reduce((a, b) => a * b, 1) * (BYTES[e.dtype] ?? 4);

/** Reads and checks a model folder's model.json. @throws {ModelFolderError} */
export async function readModelJson(dir: string): Promise<ModelJson> {
  let json: Partial<ModelJson>;
  try {
    json = JSON.parse((await readOrFail(dir, MODEL_JSON)).toString("utf8")) as Partial<ModelJson>;
  } catch (e) {
    if (e instanceof ModelFolderError) throw e;
    throw new ModelFolderError(dir, `${MODEL_JSON} is not valid JSON`);
  }
  if (json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) {
    throw new ModelFolderError(dir, `${MODEL_JSON} has no modelTopology or weightsManifest`);
  }
  return json as ModelJson;
}

/**
 * Reads the weight files a manifest names, back to back, and checks them before anything reads a value: long enough
 * (a truncated file made tfjs throw a RangeError deep in its loader), and every float32 weight finite (NaN weights
 * loaded, then failed on every image). Quantized manifests are not checked for values.
 * @throws {ModelFolderError}
 */
export async function readWeightData(dir: string, json: ModelJson): Promise<{ data: Uint8Array; entries: ManifestEntry[] }> {
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  const buffers = await Promise.all(paths.map((p) => readOrFail(dir, p)));
  const data = new Uint8Array(Buffer.concat(buffers));
  const entries = json.weightsManifest.flatMap((g) => g.weights);
  const files = paths.map((p) => p.replace(/^\.\//, "")).join(", ");
  const needed = entries.reduce((n, e) => n + bytesOf(e), 0);
  if (needed > data.byteLength) {
    throw new ModelFolderError(dir, `${files} is truncated (${data.byteLength} bytes; ${MODEL_JSON}'s manifest needs ${needed}): the file was cut short, copy it again or use another model folder`);
  }
  if (entries.some((e) => e.quantization !== undefined)) return { data, entries };
  let offset = 0;
  const bad: string[] = [];
  let badCount = 0;
  for (const e of entries) {
    if (e.dtype === "float32") {
      const values = new Float32Array(data.buffer.slice(data.byteOffset + offset, data.byteOffset + offset + bytesOf(e)));
      let n = 0;
      for (const v of values) if (!Number.isFinite(v)) n++;
      if (n > 0) {
        badCount += n;
        bad.push(`${n} in ${e.name}`);
      }
    }
    offset += bytesOf(e);
  }
  if (badCount > 0) {
    throw new ModelFolderError(
      dir,
      `${files} holds NaN or infinite values (${bad.slice(0, 3).join(", ")}${bad.length > 3 ? ", ..." : ""}): the training diverged or the file is damaged; use an earlier checkpoint or retrain`,
    );
  }
  return { data, entries };
}

/**
 * Reads a model folder's model.json and weights into a {@link CnnDescription} (no tfjs): what `loadCnn` runs.
 * Weights must be float32, as `fer train` writes them; every convolution and Dense layer needs its kernel (and bias),
 * every batch normalisation its moving statistics.
 * @throws {ModelFolderError} naming the folder, the file and the cause.
 */
export async function readCnnDescription(dir: string): Promise<CnnDescription> {
  const json = await readModelJson(dir);
  const { data, entries } = await readWeightData(dir, json);
  const weights = new Map<string, CnnWeight>();
  let offset = 0;
  for (const e of entries) {
    if (e.dtype !== "float32" || e.quantization !== undefined) {
      throw new ModelFolderError(dir, `weight ${e.name} is ${e.quantization === undefined ? e.dtype : "quantized"}; fer reads float32 weights (as fer train writes them)`);
    }
    weights.set(e.name, { shape: [...e.shape], values: new Float32Array(data.buffer.slice(data.byteOffset + offset, data.byteOffset + offset + bytesOf(e))) });
    offset += bytesOf(e);
  }
  try {
    const description = describeCnn(json.modelTopology, weights);
    for (const layer of description.layers) {
      if (layer.kind === "Conv2D" || layer.kind === "Dense") {
        const kernel = requiredWeight(layer, "kernel");
        if (kernel.shape.at(-1) !== layer.shape.at(-1)) throw new CnnDescriptionError(`layer ${layer.name}: kernel of shape [${kernel.shape.join(", ")}] for ${layer.shape.at(-1)} outputs`);
        if (layer.config.useBias !== false) requiredWeight(layer, "bias");
      } else if (layer.kind === "BatchNormalization") {
        batchNormWeights(layer);
      }
    }
    return description;
  } catch (e) {
    if (e instanceof CnnDescriptionError) throw new ModelFolderError(dir, `${MODEL_JSON}: ${e.message}`, { cause: e });
    throw e;
  }
}
