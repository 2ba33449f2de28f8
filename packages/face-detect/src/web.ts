/// <reference lib="dom" />
// The browser entry of @fer/face-detect: YuNet on onnxruntime-web (the Node-free core of yunet-core.ts, the same code
// the Node detector runs). No Node built-in may be imported from here.
import { createWebSession, fetchBytes, runWebSession } from "@fer/runtime/web";
import type { NetworkRunner } from "./runner.js";
import type { FaceDetector } from "./types.js";
import { checkYunetOptions, YUNET_OUTPUTS, yunetOnRunner, type YunetPassOptions } from "./yunet-core.js";

export { FaceDetectError } from "./errors.js";
export type { Detection, FaceDetector, FaceLandmarks } from "./types.js";
export { decodeYunet, yunetPlacement, type YunetPassOptions } from "./yunet-core.js";

/** Options of the browser YuNet detector: YuNet's options plus where the model comes from. */
export interface WebYunetOptions extends YunetPassOptions {
  /**
   * The ONNX model: a URL the app serves, or its bytes. Default: this package's `models/yunet/yunet_n_dynamic.onnx`,
   * as `new URL(..., import.meta.url)` (Vite copies it into the build as an asset).
   */
  model?: string | URL | Uint8Array;
}

/** The URL of the shipped YuNet model, resolved by the app's bundler. */
export function defaultYunetModelUrl(): URL {
  return new URL("../models/yunet/yunet_n_dynamic.onnx", import.meta.url);
}

/**
 * Creates the YuNet face detector in a web page, on onnxruntime-web (see `configureWebEngine` of `@fer/runtime/web`
 * for threads and where its wasm is served). Same passes, thresholds and results as `createYunetDetector` in Node.
 * @throws {FaceDetectError} `bad-option`; `WebEngineError` (of `@fer/runtime/web`) `fetch` / `model-load` naming the URL.
 */
export async function createWebYunetDetector(options: WebYunetOptions = {}): Promise<FaceDetector> {
  checkYunetOptions(options);
  const model = options.model ?? defaultYunetModelUrl();
  const what = model instanceof Uint8Array ? "the YuNet model (bytes)" : `the YuNet model ${String(model)}`;
  const session = await createWebSession(model instanceof Uint8Array ? model : await fetchBytes(model), what);
  let released = false;
  const runner: NetworkRunner = {
    run: (input, height, width) => runWebSession(session, "input", input, [1, 3, height, width], YUNET_OUTPUTS),
    dispose() {
      if (released) return;
      released = true;
      void session.release();
    },
  };
  return yunetOnRunner(runner, options);
}
