import type { Image } from "@fer/preprocess";
import { finishDetections, nonMaxSuppression } from "./boxes.js";
import { FaceDetectError } from "./errors.js";
import { assertDetectableImage, checkNumberOption } from "./image-input.js";
import { networkInput, type NetworkPlacement } from "./network-input.js";
import type { NetworkRunner } from "./runner.js";
import type { CommonDetectorOptions, Detection, FaceDetector, FaceLandmarks } from "./types.js";

// YuNet without its model loading: decoding, the passes, the detector on any NetworkRunner. Shared by the Node
// detector (yunet.ts: the file and onnxruntime-node) and the browser one (web.ts: a URL and onnxruntime-web); no Node
// built-in may be imported here.

/** Options of the YuNet detector (the Node and browser ones add where the model comes from). */
export interface YunetPassOptions extends Omit<CommonDetectorOptions, "maxSide"> {
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
   * Small extra passes for faces that fill the frame, one per size: the photo scaled so that its longer side is that
   * size, centred on a black border of `closeUpPad` times that side on every side; they keep only faces at least a
   * fifth of the photo's longer side. 0 (or `[]`) turns them off. Default 160.
   */
  closeUpSize?: number | readonly number[];
  /**
   * Close-up passes (as `closeUpSize`) run only when the main and close-up passes found no face: a photo that shows
   * one large face the 160 px pass missed pays for them, a photo with faces does not. Default `[320]` (chosen on the
   * synthetic portraits of 2026-12-07; README).
   */
  retrySizes?: readonly number[];
  /** Border of the close-up pass, as a fraction of its image side, on every side. Default 0.25. */
  closeUpPad?: number;
  /**
   * Lowest score kept from the close-up, retry and turned passes (which keep only large faces, where false boxes are
   * rare). Default `minScore - 0.15`, so 0.4 at the default `minScore` (chosen with the passes on the synthetic
   * portraits, checked on the WIDER FACE sample; README).
   */
  closeUpMinScore?: number;
  /**
   * Angles (degrees, positive = clockwise on screen) of extra close-up passes on the turned photo, run only when no
   * other pass (retries included) found a face: for a large face tilted beyond what the network was trained on. Boxes
   * and landmarks are turned back into the photo's pixels (the box keeps its size, centred on the turned-back
   * centre). They run at `rotationSize` and keep faces of at least a tenth of the photo's longer side. Default
   * `[-25, 25]`; `[]` turns them off.
   */
  rotations?: readonly number[];
  /**
   * The retry and turned passes run only when the passes before them saw a candidate: a box of at least a twentieth
   * of the photo's longer side scoring at least this, below the thresholds that keep a face (boxes are decoded down to
   * it at no extra network cost). A photo with no face-like box at all (a blank wall, a plain background) then costs
   * the two first passes only. Default 0.05: the highest gate that lost none of the synthetic faces the retries find
   * (README "Cost of a photo without a face"); 0 runs them whenever nothing was found.
   */
  retryGate?: number;
  /**
   * Lowest score kept from the retry and turned passes (which run only when nothing else was found). Default
   * `closeUpMinScore` (0.4 at the defaults; 0.3 found 2 more synthetic faces but 2.5x the false boxes on face-free
   * frames: README "Cost of a photo without a face").
   */
  retryMinScore?: number;
  /** Longer side of the photo in the turned passes (before the turn). Default: the largest close-up or retry size (320). */
  rotationSize?: number;
  /**
   * Black border added around the turned photo (which already sits on the black square that holds it), as a fraction
   * of that square's side, on every side. Default 0: half the input of a 0.25 border, the same faces on the synthetic
   * portraits (README "Large and tilted faces").
   */
  rotationPad?: number;
}

/** Default retry close-up passes, run when nothing else was found (longer side of the photo; README "Faces of every size"). */
const DEFAULT_RETRY_SIZES = [320] as const;
/** Default angles of the turned passes run when nothing else was found (README "Faces of every size"). */
const DEFAULT_ROTATIONS = [-25, 25] as const;

/** Default `retryGate` (README "Cost of a photo without a face"). */
const DEFAULT_RETRY_GATE = 0.05;

/** Strides of YuNet's three heads, and its output names (input `input`, NCHW BGR) in the order the decoder reads them. */
const STRIDES = [8, 16, 32] as const;
export const YUNET_OUTPUTS = (["cls", "obj", "bbox", "kps"] as const).flatMap((k) => STRIDES.map((s) => `${k}_${s}`));
/** The network input's sides are multiples of this (its coarsest stride). */
const DIVISOR = 32;

/**
 * The close-up pass keeps only faces whose box's longer side is at least this fraction of the photo's longer side:
 * smaller faces are the main pass's (at 640 px it sees them 4x larger), and the close-up pass's small boxes are mostly
 * false.
 */
const CLOSE_UP_MIN_FACE = 0.2;

/** The close-up passes' score threshold is this much below `minScore` unless `closeUpMinScore` is given. */
const CLOSE_UP_SCORE_DROP = 0.15;

/**
 * The turned passes keep faces whose box's longer side is at least this fraction of the photo's longer side: they run
 * only on photos where nothing was found, so a tilted face of 15% of the frame (10% of a 4:3 photo's longer side) is
 * worth the risk (synthetic portraits, seed 1: 3 more of the 9 faces the other passes missed; README).
 */
const ROTATED_MIN_FACE = 0.1;

/**
 * Boxes below the keeping thresholds count for `retryGate` when their longer side is at least this fraction of the
 * photo's longer side (with a tenth, 9 of the 49 seed-1 synthetic faces that only the retries find had no such box:
 * small faces whose first-pass boxes were a little under it; README "Cost of a photo without a face").
 */
const HINT_MIN_FACE = 0.05;

/**
 * The main pass enlarges a small photo at most this much: enlarging adds no detail, and a 48x48 noise image blown up
 * 10x gave a false face. (Faces that fill a small photo are the close-up pass's.)
 */
const MAX_UPSCALE = 2;

/** A raw detection with its landmarks, in input pixels. */
type RawFace = Detection & { landmarks: FaceLandmarks };

/** What one `detect()` saw below its keeping thresholds: the best score (at least `gate`) of a box of at least `minSide` px. */
interface Hint {
  readonly gate: number;
  readonly minSide: number;
  best: number;
}

/** Takes note of a box scoring below the keeping thresholds (and at least `hint.gate`). */
function noteHint(hint: Hint, f: RawFace): void {
  if (Math.max(f.width, f.height) >= hint.minSide && f.score! > hint.best) hint.best = f.score!;
}

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

/** `img` resampled (area averaging, as the network input is) to an RGB image whose longer side is `size`. */
function shrinkToRgb(img: Image, size: number): Image {
  const k = size / Math.max(img.width, img.height);
  const width = Math.max(1, Math.round(img.width * k));
  const height = Math.max(1, Math.round(img.height * k));
  const values = networkInput(img, { inputWidth: width, inputHeight: height, width, height, scale: 1 / k }, [0, 0, 0], 1, "hwc");
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.round(values[i]!);
  return { width, height, channels: 3, data };
}

/** A point of a turned input mapped back to the source image (pixel coordinates, continuous). */
type ToSource = (x: number, y: number) => [number, number];

/**
 * The network input for `img` (RGB) turned by `angleDeg` (clockwise on screen) about its centre, on a black square
 * that holds the whole turned image plus a border of `pad` times its side; bilinear sampling. `toSource` maps input
 * pixels back to `img`'s.
 */
function turnedInput(img: Image, angleDeg: number, pad: number): { input: Float32Array; placement: NetworkPlacement; toSource: ToSource } {
  const t = (angleDeg * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const { width: w, height: h, data } = img;
  const tw = Math.abs(w * cos) + Math.abs(h * sin);
  const th = Math.abs(w * sin) + Math.abs(h * cos);
  const border = pad * Math.max(tw, th);
  const inputWidth = Math.ceil((tw + 2 * border) / DIVISOR) * DIVISOR;
  const inputHeight = Math.ceil((th + 2 * border) / DIVISOR) * DIVISOR;
  const icx = inputWidth / 2;
  const icy = inputHeight / 2;
  // Input point (x, y) comes from the source point turned back by -angle about the centres.
  const toSource: ToSource = (x, y) => {
    const dx = x - icx;
    const dy = y - icy;
    return [w / 2 + dx * cos + dy * sin, h / 2 - dx * sin + dy * cos];
  };
  const plane = inputWidth * inputHeight;
  const input = new Float32Array(3 * plane);
  for (let y = 0; y < inputHeight; y++) {
    for (let x = 0; x < inputWidth; x++) {
      const [sx, sy] = toSource(x + 0.5, y + 0.5);
      const fx = sx - 0.5;
      const fy = sy - 0.5;
      if (fx < -0.5 || fy < -0.5 || fx > w - 0.5 || fy > h - 0.5) continue;
      const x0 = Math.min(Math.max(Math.floor(fx), 0), w - 1);
      const y0 = Math.min(Math.max(Math.floor(fy), 0), h - 1);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const ax = Math.min(Math.max(fx - x0, 0), 1);
      const ay = Math.min(Math.max(fy - y0, 0), 1);
      const o = y * inputWidth + x;
      for (let c = 0; c < 3; c++) {
        const top = data[(y0 * w + x0) * 3 + c]! * (1 - ax) + data[(y0 * w + x1) * 3 + c]! * ax;
        const bottom = data[(y1 * w + x0) * 3 + c]! * (1 - ax) + data[(y1 * w + x1) * 3 + c]! * ax;
        // BGR planes, as the network takes them.
        input[(2 - c) * plane + o] = top * (1 - ay) + bottom * ay;
      }
    }
  }
  return { input, placement: { inputWidth, inputHeight, width: inputWidth, height: inputHeight, scale: 1 }, toSource };
}

/** A face found on a turned input, in the source's pixels times `k`: box centre and landmarks turned back, size kept. */
function turnBack(f: RawFace, toSource: ToSource, k: number): RawFace {
  const pt = ([x, y]: [number, number]): [number, number] => {
    const [sx, sy] = toSource(x, y);
    return [sx * k, sy * k];
  };
  const [cx, cy] = pt([f.x + f.width / 2, f.y + f.height / 2]);
  const l = f.landmarks;
  return {
    x: cx - (f.width * k) / 2,
    y: cy - (f.height * k) / 2,
    width: f.width * k,
    height: f.height * k,
    ...(f.score !== undefined ? { score: f.score } : {}),
    landmarks: { leftEye: pt(l.leftEye), rightEye: pt(l.rightEye), nose: pt(l.nose), mouthLeft: pt(l.mouthLeft), mouthRight: pt(l.mouthRight) },
  };
}

interface YunetSettings {
  minScore: number;
  iouThreshold: number;
  maxResults: number;
  inputSize: number;
  closeUpSizes: readonly number[];
  retrySizes: readonly number[];
  closeUpPad: number;
  closeUpMinScore: number;
  rotations: readonly number[];
  rotationSize: number;
  rotationPad: number;
  retryGate: number;
  retryMinScore: number;
  minSize: number;
  maxSize: number;
}

/** YuNet (libfacedetection): boxes and five landmarks, on onnxruntime (Node or web) or tfjs. */
class YunetDetector implements FaceDetector {
  readonly name = "yunet" as const;
  private disposed = false;

  constructor(
    private readonly runner: NetworkRunner,
    private readonly opts: YunetSettings,
    /** What runs the network. */
    readonly engine: "onnxruntime" | "tfjs",
  ) {}

  /** The passes run on a `width` x `height` photo: the main one, then the close-up ones (when on). */
  passes(width: number, height: number): NetworkPlacement[] {
    const out = [yunetPlacement(width, height, Math.min(this.opts.inputSize, MAX_UPSCALE * Math.max(width, height)), 0)];
    for (const size of this.opts.closeUpSizes) out.push(yunetPlacement(width, height, size, this.opts.closeUpPad));
    return out;
  }

  /**
   * Runs the network on `input` (`placement`'s size) and decodes faces at `minScore` into `placement`'s pixels; boxes
   * below `minScore` but at least `hint.gate` are only noted in `hint` (see {@link noteHint}).
   */
  private async pass(input: Float32Array, placement: NetworkPlacement, minScore: number, hint?: Hint): Promise<RawFace[]> {
    const outputs = await this.runner.run(input, placement.inputHeight, placement.inputWidth);
    const faces = decodeYunet(outputs, placement, hint === undefined ? minScore : Math.min(minScore, hint.gate));
    if (hint === undefined) return faces;
    const kept: RawFace[] = [];
    for (const f of faces) {
      if (f.score! >= minScore) kept.push(f);
      else noteHint(hint, f);
    }
    return kept;
  }

  async detect(img: Image): Promise<Detection[]> {
    if (this.disposed) throw new FaceDetectError("disposed", "yunet detector used after dispose()");
    assertDetectableImage(img);
    const { retrySizes, closeUpPad, closeUpMinScore, minScore, rotations, rotationSize, rotationPad, retryGate, retryMinScore } = this.opts;
    const long = Math.max(img.width, img.height);
    const minCloseUp = CLOSE_UP_MIN_FACE * long;
    // The best score, below the keeping thresholds, of a box large enough to be worth the retry and turned passes.
    const hint: Hint = { gate: retryGate, minSide: HINT_MIN_FACE * long, best: 0 };
    const sawCandidate = (): boolean => retryGate <= 0 || hint.best >= retryGate;
    // The photo is resampled once, to the main pass's size when that shrinks it: the close-up passes start from that
    // copy instead of reading the whole photo again. Boxes are mapped back by `back` (copy pixels -> photo pixels).
    const mainSize = Math.min(this.opts.inputSize, MAX_UPSCALE * long);
    const src = mainSize < long ? shrinkToRgb(img, mainSize) : img;
    const back = long / Math.max(src.width, src.height);
    const inPhoto = (p: NetworkPlacement): NetworkPlacement => ({ ...p, scale: p.scale * back });
    const [main, ...closeUps] = this.passes(src.width, src.height) as [NetworkPlacement, ...NetworkPlacement[]];
    const raw = await this.pass(networkInput(src, main, [0, 0, 0], 1, "chw-bgr"), inPhoto(main), minScore, hint);
    const closeUp = async (placements: readonly NetworkPlacement[], score: number): Promise<void> => {
      for (const placement of placements) {
        const faces = await this.pass(networkInput(src, placement, [0, 0, 0], 1, "chw-bgr"), inPhoto(placement), score, hint);
        for (const f of faces) {
          const side = Math.max(f.width, f.height);
          if (side >= minCloseUp) raw.push(f);
          else noteHint(hint, f);
        }
      }
    };
    await closeUp(closeUps, closeUpMinScore);
    let kept = nonMaxSuppression(raw, this.opts.iouThreshold, this.opts.maxResults);
    if (kept.length === 0 && retrySizes.length > 0 && sawCandidate()) {
      // Nothing found, but something face-like: the retry close-up passes.
      await closeUp(retrySizes.map((size) => yunetPlacement(src.width, src.height, size, closeUpPad)), retryMinScore);
      kept = nonMaxSuppression(raw, this.opts.iouThreshold, this.opts.maxResults);
    }
    if (kept.length === 0 && rotations.length > 0 && rotationSize > 0 && sawCandidate()) {
      // Still nothing: a close-up pass on the photo turned by each angle, faces turned back.
      const turnedRaw: RawFace[] = [];
      const small = shrinkToRgb(src, Math.min(rotationSize, Math.max(src.width, src.height)));
      const k = long / Math.max(small.width, small.height);
      for (const angle of rotations) {
        const { input, placement, toSource } = turnedInput(small, angle, rotationPad);
        for (const f of await this.pass(input, placement, retryMinScore)) {
          const face = turnBack(f, toSource, k);
          if (Math.max(face.width, face.height) >= ROTATED_MIN_FACE * long) turnedRaw.push(face);
        }
      }
      kept = nonMaxSuppression(turnedRaw, this.opts.iouThreshold, this.opts.maxResults);
    }
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

/** The close-up pass sizes asked for (0 = off). */
function closeUpSizesOf(options: YunetPassOptions): number[] {
  return typeof options.closeUpSize === "number" ? [options.closeUpSize] : [...(options.closeUpSize ?? [160])];
}

/**
 * Checks YuNet's options (before any model is loaded).
 * @throws {FaceDetectError} `bad-option`.
 */
export function checkYunetOptions(options: YunetPassOptions): void {
  checkNumberOption("minScore", options.minScore, 0, 1);
  checkNumberOption("iouThreshold", options.iouThreshold, 0, 1);
  checkNumberOption("maxResults", options.maxResults, 1);
  checkNumberOption("inputSize", options.inputSize, 32, 4096);
  for (const size of closeUpSizesOf(options)) checkNumberOption("closeUpSize", size, 0, 4096);
  for (const size of options.retrySizes ?? []) checkNumberOption("retrySizes", size, 32, 4096);
  checkNumberOption("closeUpPad", options.closeUpPad, 0, 4);
  checkNumberOption("closeUpMinScore", options.closeUpMinScore, 0, 1);
  for (const angle of options.rotations ?? []) checkNumberOption("rotations", angle, -90, 90);
  checkNumberOption("rotationSize", options.rotationSize, 0, 4096);
  checkNumberOption("rotationPad", options.rotationPad, 0, 4);
  checkNumberOption("retryGate", options.retryGate, 0, 1);
  checkNumberOption("retryMinScore", options.retryMinScore, 0, 1);
  checkNumberOption("minSize", options.minSize, 0);
  checkNumberOption("maxSize", options.maxSize, 0);
}

/**
 * The YuNet detector on `runner` (a session on a YuNet ONNX model, input `input`, outputs {@link YUNET_OUTPUTS}) of
 * `engine`; options as checked by {@link checkYunetOptions}. The detector owns the runner.
 */
export function yunetOnRunner(runner: NetworkRunner, options: YunetPassOptions, engine: "onnxruntime" | "tfjs" = "onnxruntime"): FaceDetector {
  return new YunetDetector(runner, {
    minScore: options.minScore ?? 0.55,
    iouThreshold: options.iouThreshold ?? 0.3,
    maxResults: options.maxResults ?? 200,
    inputSize: options.inputSize ?? 512,
    closeUpSizes: closeUpSizesOf(options).filter((size) => size > 0),
    retrySizes: options.retrySizes ?? DEFAULT_RETRY_SIZES,
    closeUpPad: options.closeUpPad ?? 0.25,
    closeUpMinScore: options.closeUpMinScore ?? Math.max(0, (options.minScore ?? 0.55) - CLOSE_UP_SCORE_DROP),
    rotations: options.rotations ?? DEFAULT_ROTATIONS,
    rotationSize: options.rotationSize ?? Math.max(0, ...closeUpSizesOf(options), ...(options.retrySizes ?? DEFAULT_RETRY_SIZES)),
    rotationPad: options.rotationPad ?? 0,
    retryGate: options.retryGate ?? DEFAULT_RETRY_GATE,
    retryMinScore: options.retryMinScore ?? options.closeUpMinScore ?? Math.max(0, (options.minScore ?? 0.55) - CLOSE_UP_SCORE_DROP),
    minSize: options.minSize ?? 0,
    maxSize: options.maxSize ?? 0,
  }, engine);
}
