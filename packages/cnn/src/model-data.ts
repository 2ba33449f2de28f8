// A model folder's files as data: card.json, model.json and the weight files' bytes checked and turned into a
// CnnDescription, with no file system (and no Node built-in): Node reads the folder from disk (model-files.ts,
// model-folder.ts), a web page fetches the same files (web.ts), and both go through these checks.
import { MODEL_CARD_FORMAT, MODEL_CARD_VERSION, type ModelCard } from "./model-card.js";
import { CnnDescriptionError, describeCnn, type CnnDescription, type CnnWeight } from "./onnx/cnn-description.js";
import { batchNormWeights, requiredWeight } from "./onnx/layer-graph.js";

/** File names of a model folder's card, graph and weights (tfjs layers format). */
export const CARD_JSON = "card.json";
export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

/** Thrown when a model folder (a directory in Node, the URLs of its files in a web page) is missing, incomplete or of another format. */
export class ModelFolderError extends Error {
  constructor(readonly dir: string, detail: string, options?: { cause?: unknown }) {
    super(`Cannot load fer CNN model from ${dir}: ${detail}`, options);
    this.name = "ModelFolderError";
  }
}

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

/** Parses and checks the text of a card.json. @param dir names the folder in errors. @throws {ModelFolderError} */
export function parseModelCard(dir: string, text: string): ModelCard {
  let card: ModelCard;
  try {
    card = JSON.parse(text) as ModelCard;
  } catch {
    throw new ModelFolderError(dir, `${CARD_JSON} is not valid JSON`);
  }
  if (card.format !== MODEL_CARD_FORMAT) throw new ModelFolderError(dir, `${CARD_JSON} is not a fer CNN model card`);
  if (card.version !== MODEL_CARD_VERSION) {
    throw new ModelFolderError(dir, `card version ${String(card.version)} is not supported (expected ${MODEL_CARD_VERSION})`);
  }
  return card;
}

/** Parses and checks the text of a model.json. @param dir names the folder in errors. @throws {ModelFolderError} */
export function parseModelJson(dir: string, text: string): ModelJson {
  let json: Partial<ModelJson>;
  try {
    json = JSON.parse(text) as Partial<ModelJson>;
  } catch {
    throw new ModelFolderError(dir, `${MODEL_JSON} is not valid JSON`);
  }
  if (json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) {
    throw new ModelFolderError(dir, `${MODEL_JSON} has no modelTopology or weightsManifest`);
  }
  return json as ModelJson;
}

/** The weight files a manifest names, in its order (`./weights.bin` -> `weights.bin`). */
export function manifestPaths(json: ModelJson): string[] {
  return json.weightsManifest.flatMap((g) => g.paths).map((p) => p.replace(/^\.\//, ""));
}

/**
 * Joins the weight files' bytes (in {@link manifestPaths} order) and checks them before anything reads a value: long
 * enough (a truncated file made tfjs throw a RangeError deep in its loader), and every float32 weight finite (NaN
 * weights loaded, then failed on every image). Quantized manifests are not checked for values.
 * @throws {ModelFolderError}
 */
export function checkWeightData(dir: string, json: ModelJson, buffers: readonly Uint8Array[]): { data: Uint8Array; entries: ManifestEntry[] } {
  const data = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of buffers) {
    data.set(b, at);
    at += b.byteLength;
  }
  const entries = json.weightsManifest.flatMap((g) => g.weights);
  const files = manifestPaths(json).join(", ");
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
 * A model folder's model.json and weight files' bytes as a {@link CnnDescription} (no tfjs): what `loadCnn` and
 * `loadWebCnn` run. Weights must be float32, as `fer train` writes them; every convolution and Dense layer needs its
 * kernel (and bias), every batch normalisation its moving statistics.
 * @param dir names the folder in errors (a directory, or a URL in a web page)
 * @param buffers the weight files' bytes, in {@link manifestPaths} order
 * @throws {ModelFolderError} naming the folder, the file and the cause.
 */
export function describeModelData(dir: string, json: ModelJson, buffers: readonly Uint8Array[]): CnnDescription {
  const { data, entries } = checkWeightData(dir, json, buffers);
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
