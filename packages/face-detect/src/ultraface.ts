import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Image } from "@fer/preprocess";
import { finishDetections, nonMaxSuppression } from "./boxes.js";
import { FaceDetectError } from "./errors.js";
import { assertDetectableImage, checkNumberOption, checkThreadsOption } from "./image-input.js";
import { networkInput, type NetworkPlacement } from "./network-input.js";
import type { NetworkRunner } from "./runner.js";
import { createOnnxFileRunner } from "./onnx-file.js";
import type { DetectorEngine } from "./onnxruntime.js";
import type { CommonDetectorOptions, Detection, FaceDetector } from "./types.js";

/** The UltraFace networks (Ultra-Light-Fast-Generic-Face-Detector-1MB) and their fixed input sizes. */
export const ULTRAFACE_VARIANTS = {
  "RFB-320": { file: "version-RFB-320.onnx", width: 320, height: 240 },
  "RFB-640": { file: "version-RFB-640.onnx", width: 640, height: 480 },
  "slim-320": { file: "version-slim-320.onnx", width: 320, height: 240 },
} as const;
/** An UltraFace variant name. */
export type UltraFaceVariant = keyof typeof ULTRAFACE_VARIANTS;

/** The folder of the UltraFace model shipped in this package (with its MIT licence). */
export const DEFAULT_ULTRAFACE_MODEL_DIR = fileURLToPath(new URL("../models/ultraface/", import.meta.url));

/** Options of the UltraFace detector. */
export interface UltraFaceOptions extends Omit<CommonDetectorOptions, "maxSide"> {
  /** Which network: `RFB-320` (default, 320x240 input), `RFB-640` (640x480) or `slim-320`. */
  variant?: UltraFaceVariant;
  /** Folder holding `version-<variant>.onnx`. Default: this package's `models/ultraface/` (ships `RFB-320` only). */
  modelDir?: string;
  /** Lowest face probability kept (0..1). Default 0.6: for RFB-320, the lowest threshold with at most 0.5 false boxes per image on the WIDER FACE sample (README). */
  minScore?: number;
  /** Boxes overlapping a better one by more than this IoU are dropped. Default 0.3. */
  iouThreshold?: number;
  /** At most this many faces per image. Default 200. */
  maxResults?: number;
  /** What runs the network: `onnxruntime`, `tfjs` or `auto` (the default), as for YuNet (`YunetOptions.engine`). */
  engine?: DetectorEngine;
  /** onnxruntime intra-op threads. Default: onnxruntime's (one per physical core). */
  threads?: number;
}

/**
 * Decodes UltraFace's outputs: `scores` `[n, 2]` (softmax: background, face) and `boxes` `[n, 4]` (corners as
 * fractions of the input's width and height; the priors are decoded inside the graph), mapped to original pixels.
 */
export function decodeUltraFace(scores: Float32Array, boxes: Float32Array, placement: NetworkPlacement, minScore: number): Detection[] {
  const { inputWidth, inputHeight, scale } = placement;
  const dets: Detection[] = [];
  for (let i = 0; i * 2 < scores.length; i++) {
    const score = scores[2 * i + 1]!;
    if (!(score >= minScore)) continue;
    const x0 = boxes[4 * i]! * inputWidth;
    const y0 = boxes[4 * i + 1]! * inputHeight;
    const x1 = boxes[4 * i + 2]! * inputWidth;
    const y1 = boxes[4 * i + 3]! * inputHeight;
    dets.push({ x: x0 * scale, y: y0 * scale, width: (x1 - x0) * scale, height: (y1 - y0) * scale, score });
  }
  return dets;
}

/** UltraFace: boxes only, at its fixed input size (the photo fitted in, aspect kept, padded with black). */
class UltraFaceDetector implements FaceDetector {
  readonly name = "ultraface" as const;
  private disposed = false;

  constructor(
    private readonly runner: NetworkRunner,
    /** What runs the network. */
    readonly engine: "onnxruntime" | "tfjs",
    private readonly size: { width: number; height: number },
    private readonly opts: Required<Omit<UltraFaceOptions, "variant" | "modelDir" | "threads" | "engine">>,
  ) {}

  async detect(img: Image): Promise<Detection[]> {
    if (this.disposed) throw new FaceDetectError("disposed", "ultraface detector used after dispose()");
    assertDetectableImage(img);
    const { width: iw, height: ih } = this.size;
    const k = Math.min(iw / img.width, ih / img.height);
    const placement: NetworkPlacement = {
      inputWidth: iw,
      inputHeight: ih,
      width: Math.min(iw, Math.max(1, Math.round(img.width * k))),
      height: Math.min(ih, Math.max(1, Math.round(img.height * k))),
      scale: 1 / k,
    };
    const input = networkInput(img, placement, [127, 127, 127], 1 / 128, "chw-rgb");
    const [scores, boxes] = (await this.runner.run(input, ih, iw)) as [Float32Array, Float32Array];
    const kept = nonMaxSuppression(decodeUltraFace(scores, boxes, placement, this.opts.minScore), this.opts.iouThreshold, this.opts.maxResults);
    return finishDetections(kept, img.width, img.height, this.opts.minSize, this.opts.maxSize);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.runner.dispose();
  }
}

/**
 * Creates the UltraFace detector (MIT) on onnxruntime or tfjs (`engine`).
 * @throws {FaceDetectError} `bad-option`; `engine-unavailable` for engine `onnxruntime` without `onnxruntime-node`; `model-load` when the
 * variant's file is not in `modelDir`.
 */
export async function createUltraFaceDetector(options: UltraFaceOptions = {}): Promise<FaceDetector> {
  const variant = options.variant ?? "RFB-320";
  if (!Object.hasOwn(ULTRAFACE_VARIANTS, variant)) {
    throw new FaceDetectError("bad-option", `variant must be one of ${Object.keys(ULTRAFACE_VARIANTS).join(", ")}, got "${String(variant)}"`);
  }
  checkNumberOption("minScore", options.minScore, 0, 1);
  checkNumberOption("iouThreshold", options.iouThreshold, 0, 1);
  checkNumberOption("maxResults", options.maxResults, 1);
  checkNumberOption("minSize", options.minSize, 0);
  checkNumberOption("maxSize", options.maxSize, 0);
  checkThreadsOption(options.threads);
  const spec = ULTRAFACE_VARIANTS[variant];
  const file = path.join(options.modelDir ?? DEFAULT_ULTRAFACE_MODEL_DIR, spec.file);
  const { runner, engine } = await createOnnxFileRunner("ultraface", file, "input", ["scores", "boxes"], { engine: options.engine, threads: options.threads });
  return new UltraFaceDetector(runner, engine, spec, {
    minScore: options.minScore ?? 0.6,
    iouThreshold: options.iouThreshold ?? 0.3,
    maxResults: options.maxResults ?? 200,
    minSize: options.minSize ?? 0,
    maxSize: options.maxSize ?? 0,
  });
}
