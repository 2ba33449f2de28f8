/// <reference lib="dom" />
// The browser entry of @fer/cnn: the shipped CNN on onnxruntime-web. The page fetches the model folder's own files
// (model.json, weights.bin, card.json: the ones Node reads) and writes the ONNX graph in memory with the same reader
// and writer Node runs (describeModelData, cnnToOnnx, OnnxGraphBuilder of @fer/runtime/onnx), so it runs the very
// same graph on the same kernels, and the package ships the model once. No Node built-in (and no tfjs) may be
// imported from here.
import { prepareFaces, type PreprocessSpec } from "@fer/preprocess";
import { createWebSession, fetchBytes, runWebSession } from "@fer/runtime/web";
import { describeModelData, manifestPaths, ModelFolderError, parseModelCard, parseModelJson } from "./model-data.js";
import { cnnToOnnx, type OnnxCnnOutputs } from "./onnx/layers-to-onnx.js";

export { ModelFolderError };

/** The CNN's graph names (of the ONNX graph written in the page) and its card's classes and preprocessing. */
export interface WebCnnInfo {
  readonly names: OnnxCnnOutputs;
  readonly classes: readonly string[];
  readonly preprocess: PreprocessSpec;
  readonly architecture: string;
  readonly createdAt: string | null;
}

/** The CNN in a page. */
export interface WebCnn {
  readonly info: WebCnnInfo;
  /** Side of the square gray faces it takes. */
  readonly size: number;
  /**
   * Features of `count` size x size gray faces stored back to back, read at a Dense layer (`dense1`, `dense2`) or the
   * class scores (`scores`): `count * width` floats. The card's contrast step and scaling are applied first, as in Node.
   */
  features(pixels: Uint8Array, count: number, layer: "dense1" | "dense2" | "scores"): Promise<Float32Array>;
  /** Frees the session. Idempotent. */
  dispose(): void;
}

/** Options of {@link loadWebCnn} and {@link buildWebCnnGraph}: the URLs of a model folder's files, as the app serves them. */
export interface LoadWebCnnOptions {
  /** The folder's `model.json`. Default: the shipped model's (`fer2013-f-mirror`). */
  model?: string | URL;
  /**
   * The weight files its manifest names, in the manifest's order. Default: the shipped model's `weights.bin` when
   * `model` is the default, else each manifest path resolved against the `model` URL.
   */
  weights?: readonly (string | URL)[];
  /** The folder's `card.json`. Default: the shipped model's when `model` is the default, else `card.json` beside `model`. */
  card?: string | URL;
}

/** The URLs of the shipped CNN's files (`fer2013-f-mirror`), resolved by the app's bundler from this module. */
export function defaultWebCnnUrls(): { model: URL; weights: URL[]; card: URL } {
  return {
    model: new URL("../models/fer2013-f-mirror/model.json", import.meta.url),
    weights: [new URL("../models/fer2013-f-mirror/weights.bin", import.meta.url)],
    card: new URL("../models/fer2013-f-mirror/card.json", import.meta.url),
  };
}

/** The CNN's ONNX graph written in the page, with its graph names and card. */
export interface WebCnnGraph {
  readonly bytes: Uint8Array;
  readonly info: WebCnnInfo;
}

/** An absolute URL of `url` (a relative string is resolved against the page). */
function absolute(url: string | URL): URL {
  return new URL(url, (globalThis as { location?: { href: string } }).location?.href);
}

/**
 * Fetches a model folder's files and writes its ONNX graph in memory, as `loadCnn` does in Node from the same files
 * (byte for byte the same graph): what {@link loadWebCnn} runs.
 * @throws {WebEngineError} (of `@fer/runtime/web`) `fetch` naming the URL; {@link ModelFolderError} for a file that is not a fer CNN's.
 */
export async function buildWebCnnGraph(options: LoadWebCnnOptions = {}): Promise<WebCnnGraph> {
  const defaults = defaultWebCnnUrls();
  const shipped = options.model === undefined;
  const model = absolute(options.model ?? defaults.model);
  const card = options.card ?? (shipped ? defaults.card : new URL("card.json", model));
  const text = async (url: string | URL) => new TextDecoder().decode(await fetchBytes(url));
  const [jsonText, cardText] = await Promise.all([text(model), text(card)]);
  const json = parseModelJson(String(model), jsonText);
  const paths = manifestPaths(json);
  const weights = options.weights ?? (shipped ? defaults.weights : paths.map((p) => new URL(p, model)));
  if (weights.length !== paths.length) {
    throw new ModelFolderError(String(model), `its manifest names ${paths.length} weight files (${paths.join(", ")}), ${weights.length} URLs were given`);
  }
  const buffers = await Promise.all(weights.map((w) => fetchBytes(w)));
  const { classes, preprocess, architecture, createdAt } = parseModelCard(String(card), cardText);
  const { bytes, names } = cnnToOnnx(describeModelData(String(model), json, buffers));
  return { bytes, info: { names, classes, preprocess, architecture, createdAt } };
}

/**
 * Loads the CNN in a web page on onnxruntime-web (see `configureWebEngine` of `@fer/runtime/web`): its files are
 * fetched and its graph written in the page ({@link buildWebCnnGraph}).
 * @throws {WebEngineError} `fetch` / `model-load` naming the URL; {@link ModelFolderError} for a file that is not a fer CNN's.
 */
export async function loadWebCnn(options: LoadWebCnnOptions = {}): Promise<WebCnn> {
  const { bytes, info } = await buildWebCnnGraph(options);
  const session = await createWebSession(bytes, `the CNN ${String(options.model ?? defaultWebCnnUrls().model)}`);
  const size = info.preprocess.size;
  let disposed = false;
  return {
    info,
    size,
    async features(pixels, count, layer) {
      if (disposed) throw new Error("the web CNN was disposed");
      if (pixels.length !== count * size * size) throw new RangeError(`expected ${count} faces of ${size}x${size} gray pixels (${count * size * size} bytes), got ${pixels.length}`);
      if (count === 0) return new Float32Array(0);
      const output = layer === "scores" ? info.names.scores : info.names.dense[layer];
      if (output === undefined) throw new RangeError(`the CNN has no layer ${layer}`);
      const x = prepareFaces(pixels, count, info.preprocess);
      const [values] = await runWebSession(session, info.names.input, x, [count, size, size, 1], [output]);
      return values!;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      void session.release();
    },
  };
}
