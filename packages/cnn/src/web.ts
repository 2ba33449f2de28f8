/// <reference lib="dom" />
// The browser entry of @fer/cnn: the shipped CNN on onnxruntime-web. Its ONNX graph is written at build time by the
// same writer Node runs in memory (scripts/export-web-model.mjs -> dist/models/<name>/model.onnx, 3.1 MB), so the page
// runs the same graph on the same kernels. No Node built-in (and no tfjs) may be imported from here.
import { prepareFaces, type PreprocessSpec } from "@fer/preprocess";
import { createWebSession, fetchBytes, runWebSession, WebEngineError } from "@fer/runtime/web";

/** What the build writes next to model.onnx (web.json): graph names and the card's classes and preprocessing. */
export interface WebCnnInfo {
  readonly names: { readonly input: string; readonly dense: Readonly<Record<string, string>>; readonly scores: string };
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

/** Options of {@link loadWebCnn}. */
export interface LoadWebCnnOptions {
  /** The ONNX model (URL or bytes). Default: the shipped model's `model.onnx` in this package's dist. */
  model?: string | URL | Uint8Array;
  /** Its `web.json` (URL or parsed). Default: the shipped model's. */
  info?: string | URL | WebCnnInfo;
}

/** URLs of the shipped CNN's web files (`fer2013-f-mirror`), resolved by the app's bundler from this module. */
export function defaultWebCnnUrls(): { model: URL; info: URL } {
  return {
    model: new URL("./models/fer2013-f-mirror/model.onnx", import.meta.url),
    info: new URL("./models/fer2013-f-mirror/web.json", import.meta.url),
  };
}

/**
 * Loads the CNN in a web page on onnxruntime-web (see `configureWebEngine` of `@fer/runtime/web`).
 * @throws {WebEngineError} `fetch` / `model-load` naming the URL.
 */
export async function loadWebCnn(options: LoadWebCnnOptions = {}): Promise<WebCnn> {
  const urls = defaultWebCnnUrls();
  const infoSource = options.info ?? urls.info;
  const info: WebCnnInfo = typeof infoSource === "string" || infoSource instanceof URL ? (JSON.parse(new TextDecoder().decode(await fetchBytes(infoSource))) as WebCnnInfo) : infoSource;
  if (info.names === undefined || !Array.isArray(info.classes) || info.preprocess === undefined) {
    throw new WebEngineError("model-load", `${String(infoSource)} is not a @fer/cnn web.json (names, classes, preprocess)`);
  }
  const model = options.model ?? urls.model;
  const session = await createWebSession(model instanceof Uint8Array ? model : await fetchBytes(model), model instanceof Uint8Array ? "the CNN (bytes)" : `the CNN ${String(model)}`);
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
