import { fileURLToPath } from "node:url";
import { checkThreadsOption } from "./image-input.js";
import { createOnnxFileRunner } from "./onnx-file.js";
import type { DetectorEngine } from "./onnxruntime.js";
import type { FaceDetector } from "./types.js";
import { checkYunetOptions, YUNET_OUTPUTS, yunetOnRunner, type YunetPassOptions } from "./yunet-core.js";

export { decodeYunet, yunetPlacement } from "./yunet-core.js";

/** The YuNet model shipped in this package (libfacedetection.train's `yunet_n_dynamic.onnx`, Apache-2.0). */
export const DEFAULT_YUNET_MODEL_PATH = fileURLToPath(new URL("../models/yunet/yunet_n_dynamic.onnx", import.meta.url));

/** Options of the YuNet detector in Node. */
export interface YunetOptions extends YunetPassOptions {
  /** The ONNX file (`yunet_n_dynamic.onnx`, shipped, or `yunet_s_dynamic.onnx` of libfacedetection.train); default the shipped one. */
  model?: string;
  /**
   * What runs the network: `onnxruntime` (the optional `onnxruntime-node` package), `tfjs` (the ONNX graph on the
   * tfjs-core backend `initBackend` of `@fer/runtime` picks, through `@fer/runtime/tfjs`), or `auto` (the default:
   * onnxruntime when installed, else tfjs; the `FER_ENGINE` environment variable can name one). Both give the same boxes.
   */
  engine?: DetectorEngine;
  /**
   * onnxruntime intra-op threads. Default 1: the network is about 8 ms of a 17-20 ms call on a 1024-px photo (the rest
   * is the JavaScript that resamples the photo), and a second thread measured slower on this 2-core machine (26 ms
   * against 22 when quiet; README), while one thread leaves the other core to a second photo in flight.
   */
  threads?: number;
}

/**
 * Creates the YuNet face detector (libfacedetection's network, 0.32 MB, shipped in this package with its Apache-2.0
 * licence) on onnxruntime or tfjs (`engine`). Each face has a score in 0..1 and five landmarks (see {@link FaceLandmarks}).
 * @throws {FaceDetectError} `bad-option`; `engine-unavailable` for engine `onnxruntime` without `onnxruntime-node`;
 * `model-load` for an unreadable model file.
 */
export async function createYunetDetector(options: YunetOptions = {}): Promise<FaceDetector> {
  checkYunetOptions(options);
  checkThreadsOption(options.threads);
  const { runner, engine } = await createOnnxFileRunner("yunet", options.model ?? DEFAULT_YUNET_MODEL_PATH, "input", YUNET_OUTPUTS, {
    engine: options.engine,
    threads: options.threads ?? 1,
  });
  return yunetOnRunner(runner, options, engine);
}
