import { fileURLToPath } from "node:url";
import type { Image } from "@fer/preprocess";
import { finishDetections, nonMaxSuppression } from "./boxes.js";
import { FaceDetectError } from "./errors.js";
import { assertDetectableImage, checkNumberOption, checkThreadsOption } from "./image-input.js";
import { networkInput, type NetworkPlacement } from "./network-input.js";
import type { NetworkRunner } from "./network-runner.js";
import { createOnnxFileRunner } from "./onnx-file.js";
import type { CommonDetectorOptions, Detection, FaceDetector, FaceLandmarks } from "./types.js";

/** The YuNet model shipped in this package (libfacedetection.train's `yunet_n_dynamic.onnx`, Apache-2.0). */
export const DEFAULT_YUNET_MODEL_PATH = fileURLToPath(new URL("../models/yunet/yunet_n_dynamic.onnx", import.meta.url));

/** Options of the YuNet detector. */
export interface YunetOptions extends Omit<CommonDetectorOptions, "maxSide"> {
  /**
   * Lowest face score kept (0..1; the score is `sqrt(cls * obj)`, as OpenCV's FaceDetectorYN computes it). Default
   * 0.55: chosen on the WIDER FACE sample as the lowest threshold with at most 0.5 false boxes per image (README).
   */
  minScore?: number;
  /** Boxes overlapping a better one by more than this IoU are dropped. Default 0.3 (OpenCV's FaceDetectorYN). */
  iouThreshold?: number;
  /** At most this many faces per image. Default 200. */
  maxResults?: number;
  /**
   * Longer side of the main pass's network input (the photo is scaled to it, down or at most 2x up, and padded to
   * multiples of 32). Default 512 (as much recall on faces of at least 40 px as 640 on the WIDER FACE sample, for two thirds of
   * the time; README). Larger finds smaller faces, slower (cost grows with its square).
   */
  inputSize?: number;
  /**
   * A second, small pass for faces that fill the frame: the photo scaled so that its longer side is `closeUpSize`,
   * centred on a black border of `closeUpPad` times that side on every side; it keeps only faces at least a fifth of
   * the photo's longer side. 0 turns it off. Default 160.
   */
  closeUpSize?: number;
  /** Border of the close-up pass, as a fraction of its image side, on every side. Default 0.25. */
  closeUpPad?: number;
  /** The ONNX file (`yunet_n_dynamic.onnx`, shipped, or `yunet_s_dynamic.onnx` of libfacedetection.train); default the shipped one. */
  model?: string;
  /**
   * onnxruntime intra-op threads. Default 1: the network is about 8 ms of a 17-20 ms call on a 1024-px photo (the rest
   * is the JavaScript that resamples the photo), and a second thread measured slower on this 2-core machine (26 ms
   * against 22 when quiet; README), while one thread leaves the other core to a second photo in flight.
   */
  threads?: number;
}

/** Strides of YuNet's three heads, and its output names in the order the decoder reads them. */
const STRIDES = [8, 16, 32] as const;
const OUTPUTS = (["cls", "obj", "bbox", "kps"] as const).flatMap((k) => STRIDES.map((s) => `${k}_${s}`));
/** The network input's sides are multiples of this (its coarsest stride). */
const DIVISOR = 32;

/**
 * The close-up pass keeps only faces whose box's longer side is at least this fraction of the photo's longer side:
 * smaller faces are the main pass's (at 640 px it sees them 4x larger), and the close-up pass's small boxes are mostly
 * false.
 */
const CLOSE_UP_MIN_FACE = 0.2;

/**
 * The main pass enlarges a small photo at most this much: enlarging adds no detail, and a 48x48 noise image blown up
 * 10x gave a false face. (Faces that fill a small photo are the close-up pass's.)
 */
const MAX_UPSCALE = 2;

/** A raw detection with its landmarks, in input pixels. */
type RawFace = Detection & { landmarks: FaceLandmarks };

/**
 * Decodes YuNet's outputs for one `inputWidth` x `inputHeight` input, as OpenCV's `FaceDetectorYN::postProcess`
 * does: for each stride s and cell (row r, column c), score = sqrt(clamp01(cls) * clamp01(obj)); centre
 * ((c + dx) s, (r + dy) s), size (exp(dw) s, exp(dh) s); landmark k at ((c + kx) s, (r + ky) s). Boxes and
 * landmarks are mapped to original pixels through `placement` (offset, then scale). Landmark order of the network:
 * the person's right eye (left in the image), left eye, nose tip, right and left mouth corners.
 */
export function decodeYunet(outputs: readonly Float32Array[], placement: NetworkPlacement, minScore: number): RawFace[] {
  const { inputWidth, inputHeight, scale } = placement;
  const left = placement.left ?? 0;
  const top = placement.top ?? 0;
  const faces: RawFace[] = [];
  const px = (v: number): number => (v - left) * scale;
  const py = (v: number): number => (v - top) * scale;
  STRIDES.forEach((s, i) => {
    const cls = outputs[i]!;
    const obj = outputs[i + 3]!;
    const bbox = outputs[i + 6]!;
    const kps = outputs[i + 9]!;
    const cols = inputWidth / s;
    const rows = inputHeight / s;
    if (cls.length !== rows * cols || bbox.length !== rows * cols * 4 || kps.length !== rows * cols * 10) {
      throw new FaceDetectError("model-load", `YuNet output of stride ${s} has ${cls.length} cells for a ${inputWidth}x${inputHeight} input (expected ${rows * cols}): not a YuNet model?`);
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const idx = r * cols + c;
        const score = Math.sqrt(Math.min(Math.max(cls[idx]!, 0), 1) * Math.min(Math.max(obj[idx]!, 0), 1));
        if (!(score >= minScore)) continue;
        const b = idx * 4;
        const cx = (c + bbox[b]!) * s;
        const cy = (r + bbox[b + 1]!) * s;
        const w = Math.exp(bbox[b + 2]!) * s;
        const h = Math.exp(bbox[b + 3]!) * s;
        const k = idx * 10;
        const point = (n: number): [number, number] => [px((c + kps[k + 2 * n]!) * s), py((r + kps[k + 2 * n + 1]!) * s)];
        faces.push({
          x: px(cx - w / 2),
          y: py(cy - h / 2),
          width: w * scale,
          height: h * scale,
          score,
          landmarks: { leftEye: point(0), rightEye: point(1), nose: point(2), mouthLeft: point(3), mouthRight: point(4) },
        });
      }
    }
  });
  return faces;
}

/**
 * Where a `width` x `height` photo goes in one pass: scaled so that its longer side is `size`, centred on a border of
 * `pad` times `size` on every side, the input padded to multiples of 32.
 */
export function yunetPlacement(width: number, height: number, size: number, pad: number): NetworkPlacement {
  const k = size / Math.max(width, height);
  const w = Math.max(1, Math.round(width * k));
  const h = Math.max(1, Math.round(height * k));
  const border = Math.round(pad * size);
  const inputWidth = Math.ceil((w + 2 * border) / DIVISOR) * DIVISOR;
  const inputHeight = Math.ceil((h + 2 * border) / DIVISOR) * DIVISOR;
  return {
    inputWidth,
    inputHeight,
    width: w,
    height: h,
    scale: width / w,
    left: Math.floor((inputWidth - w) / 2),
    top: Math.floor((inputHeight - h) / 2),
  };
}

/** Landmarks clipped to the image (a point predicted just outside it is moved to its edge). */
function clipLandmarks(l: FaceLandmarks, width: number, height: number): FaceLandmarks {
  const clip = ([x, y]: [number, number]): [number, number] => [Math.min(Math.max(x, 0), width), Math.min(Math.max(y, 0), height)];
  return { leftEye: clip(l.leftEye), rightEye: clip(l.rightEye), nose: clip(l.nose), mouthLeft: clip(l.mouthLeft), mouthRight: clip(l.mouthRight) };
}

interface YunetSettings {
  minScore: number;
  iouThreshold: number;
  maxResults: number;
  inputSize: number;
  closeUpSize: number;
  closeUpPad: number;
  minSize: number;
  maxSize: number;
}

/** YuNet (libfacedetection): boxes and five landmarks, on onnxruntime. */
class YunetDetector implements FaceDetector {
  readonly name = "yunet" as const;
  readonly engine = "onnxruntime" as const;
  private disposed = false;

  constructor(
    private readonly runner: NetworkRunner,
    private readonly opts: YunetSettings,
  ) {}

  /** The passes run on a `width` x `height` photo: the main one, then the close-up one (when on). */
  passes(width: number, height: number): NetworkPlacement[] {
    const out = [yunetPlacement(width, height, Math.min(this.opts.inputSize, MAX_UPSCALE * Math.max(width, height)), 0)];
    if (this.opts.closeUpSize > 0) out.push(yunetPlacement(width, height, this.opts.closeUpSize, this.opts.closeUpPad));
    return out;
  }

  async detect(img: Image): Promise<Detection[]> {
    if (this.disposed) throw new FaceDetectError("disposed", "yunet detector used after dispose()");
    assertDetectableImage(img);
    const raw: RawFace[] = [];
    const minCloseUp = CLOSE_UP_MIN_FACE * Math.max(img.width, img.height);
    for (const [pass, placement] of this.passes(img.width, img.height).entries()) {
      const input = networkInput(img, placement, [0, 0, 0], 1, "chw-bgr");
      const outputs = await this.runner.run(input, placement.inputHeight, placement.inputWidth);
      const faces = decodeYunet(outputs, placement, this.opts.minScore);
      raw.push(...(pass === 0 ? faces : faces.filter((f) => Math.max(f.width, f.height) >= minCloseUp)));
    }
    const kept = nonMaxSuppression(raw, this.opts.iouThreshold, this.opts.maxResults);
    return finishDetections(kept, img.width, img.height, this.opts.minSize, this.opts.maxSize).map((d) =>
      d.landmarks === undefined ? d : { ...d, landmarks: clipLandmarks(d.landmarks, img.width, img.height) },
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.runner.dispose();
  }
}

/**
 * Creates the YuNet face detector (libfacedetection's network, 0.32 MB, shipped in this package with its Apache-2.0
 * licence) on onnxruntime. Each face has a score in 0..1 and five landmarks (see {@link FaceLandmarks}).
 * @throws {FaceDetectError} `bad-option`; `engine-unavailable` without `onnxruntime-node`; `model-load` for an
 * unreadable model file.
 */
export async function createYunetDetector(options: YunetOptions = {}): Promise<FaceDetector> {
  checkNumberOption("minScore", options.minScore, 0, 1);
  checkNumberOption("iouThreshold", options.iouThreshold, 0, 1);
  checkNumberOption("maxResults", options.maxResults, 1);
  checkNumberOption("inputSize", options.inputSize, 32, 4096);
  checkNumberOption("closeUpSize", options.closeUpSize, 0, 4096);
  checkNumberOption("closeUpPad", options.closeUpPad, 0, 4);
  checkNumberOption("minSize", options.minSize, 0);
  checkNumberOption("maxSize", options.maxSize, 0);
  checkThreadsOption(options.threads);
  const runner = await createOnnxFileRunner("yunet", options.model ?? DEFAULT_YUNET_MODEL_PATH, "input", OUTPUTS, options.threads ?? 1);
  return new YunetDetector(runner, {
    minScore: options.minScore ?? 0.55,
    iouThreshold: options.iouThreshold ?? 0.3,
    maxResults: options.maxResults ?? 200,
    inputSize: options.inputSize ?? 512,
    closeUpSize: options.closeUpSize ?? 160,
    closeUpPad: options.closeUpPad ?? 0.25,
    minSize: options.minSize ?? 0,
    maxSize: options.maxSize ?? 0,
  });
}
