import { createClahe } from "./clahe.js";
import { equalizeHistInto } from "./equalize-hist.js";
import { toGray } from "./gray.js";
import type { GrayImage, Image } from "./image.js";
import { assertImage } from "./image-check.js";
import { resize } from "./resize.js";

/**
 * The ONE definition of face preprocessing, stored in model cards and applied identically at training and at
 * inference: gray -> resize to `size` x `size` (area) if needed -> contrast -> pixel scale (by default divide by 255).
 */
export interface PreprocessSpec {
  /** Side of the square face fed to the model (48 for FER2013). */
  size: number;
  /** Contrast step: none, global histogram equalisation, or CLAHE. */
  contrast: "none" | "equalizeHist" | "clahe";
  /** CLAHE clip limit (OpenCV semantics). Default 40 (OpenCV's default); the study used 4. */
  clipLimit?: number;
  /** CLAHE tile grid `[columns, rows]`. Default [8, 8] (OpenCV's default); the study used [4, 4]. */
  tileGrid?: [number, number];
  /**
   * How gray levels become model inputs: `"unit"` divides by 255 (inputs in [0, 1], the default), `"raw"` keeps
   * 0..255, `"standard"` standardises each face on its own (zero mean, unit standard deviation; a blank face gives
   * zeros). Absent in cards written before the option existed, which means `"unit"`.
   */
  pixelScale?: "unit" | "raw" | "standard";
}

/** Writes `n` gray levels from `src[so..]` as model inputs into `out[o..]`, scaled as `spec.pixelScale` says. */
function scaleInto(spec: PreprocessSpec, src: Uint8Array, so: number, n: number, out: Float32Array, o: number): void {
  if (spec.pixelScale === "standard") {
    let sum = 0;
    let sq = 0;
    for (let k = 0; k < n; k++) {
      const v = src[so + k]!;
      sum += v;
      sq += v * v;
    }
    const mean = sum / n;
    const sd = Math.sqrt(Math.max(sq / n - mean * mean, 0));
    const inv = sd > 1e-6 ? 1 / sd : 0;
    for (let k = 0; k < n; k++) out[o + k] = (src[so + k]! - mean) * inv;
    return;
  }
  const factor = spec.pixelScale === "raw" ? 1 : 1 / 255;
  for (let k = 0; k < n; k++) out[o + k] = src[so + k]! * factor;
}

/** Throws a `RangeError` unless `spec` is a usable {@link PreprocessSpec}. */
export function assertPreprocessSpec(spec: PreprocessSpec): void {
  if (!Number.isInteger(spec.size) || spec.size < 1) throw new RangeError(`PreprocessSpec.size must be a positive integer, got ${spec.size}`);
  if (spec.contrast !== "none" && spec.contrast !== "equalizeHist" && spec.contrast !== "clahe") {
    throw new RangeError(`PreprocessSpec.contrast must be "none", "equalizeHist" or "clahe", got ${String(spec.contrast)}`);
  }
  if (spec.pixelScale !== undefined && spec.pixelScale !== "unit" && spec.pixelScale !== "raw" && spec.pixelScale !== "standard") {
    throw new RangeError(`PreprocessSpec.pixelScale must be "unit", "raw" or "standard", got ${String(spec.pixelScale)}`);
  }
}

/** A function applying the spec's contrast step to one `side` x `side` face inside a block, in place-safe form. */
type ContrastFn = (src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number) => void;

function contrastFn(spec: PreprocessSpec, side: number): ContrastFn {
  const n = side * side;
  switch (spec.contrast) {
    case "none":
      return (src, so, dst, d) => dst.set(src.subarray(so, so + n), d);
    case "equalizeHist":
      return (src, so, dst, d) => equalizeHistInto(src, so, n, dst, d);
    case "clahe": {
      const opts: { clipLimit?: number; tileGrid?: [number, number] } = {};
      if (spec.clipLimit !== undefined) opts.clipLimit = spec.clipLimit;
      if (spec.tileGrid !== undefined) opts.tileGrid = spec.tileGrid;
      return createClahe(side, side, opts);
    }
  }
}

/** Applies the spec's gray + resize + contrast steps to one image and returns the `size` x `size` gray bytes. */
export function prepareFaceBytes(img: Image, spec: PreprocessSpec): GrayImage {
  assertPreprocessSpec(spec);
  assertImage(img);
  let gray: GrayImage = img.channels === 1 ? (img as GrayImage) : toGray(img);
  if (gray.width !== spec.size || gray.height !== spec.size) gray = resize(gray, spec.size, spec.size, { method: "area" });
  const out = new Uint8Array(spec.size * spec.size);
  contrastFn(spec, spec.size)(gray.data, 0, out, 0);
  return { width: spec.size, height: spec.size, channels: 1, data: out };
}

/**
 * Turns one face image (any size, any channels; crop it first) into the model input: gray -> area resize to
 * `spec.size` squared if needed -> contrast -> pixel scale. Returns `size*size` floats, row-major: in [0, 1] by
 * default, 0..255 with `pixelScale: "raw"`, standardised per face with `"standard"`.
 */
export function prepareFace(img: Image, spec: PreprocessSpec): Float32Array {
  const bytes = prepareFaceBytes(img, spec).data;
  const out = new Float32Array(bytes.length);
  scaleInto(spec, bytes, 0, bytes.length, out, 0);
  return out;
}

/**
 * {@link prepareFace} on a block of `count` square gray faces stored back to back (e.g. `FaceDataset.pixels`,
 * or a subarray of it). The side of the stored faces is `sqrt(pixels.length / count)`; faces of another side than
 * `spec.size` are area-resized. Returns `count * size * size` floats scaled as `spec.pixelScale` says — what the
 * CNN uses at training AND inference.
 */
export function prepareFaces(pixels: Uint8Array, count: number, spec: PreprocessSpec): Float32Array {
  assertPreprocessSpec(spec);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`prepareFaces: count must be an integer >= 0, got ${count}`);
  const { size } = spec;
  const out = new Float32Array(count * size * size);
  if (count === 0) return out;
  const srcSide = Math.round(Math.sqrt(pixels.length / count));
  if (srcSide * srcSide * count !== pixels.length) {
    throw new RangeError(`prepareFaces: ${pixels.length} bytes are not ${count} square faces`);
  }
  const n = size * size;
  const contrast = contrastFn(spec, size);
  const face = new Uint8Array(n);
  for (let i = 0; i < count; i++) {
    let src = pixels;
    let off = i * srcSide * srcSide;
    if (srcSide !== size) {
      const g: GrayImage = { width: srcSide, height: srcSide, channels: 1, data: pixels.subarray(off, off + srcSide * srcSide) };
      src = resize(g, size, size, { method: "area" }).data;
      off = 0;
    }
    contrast(src, off, face, 0);
    scaleInto(spec, face, 0, n, out, i * n);
  }
  return out;
}

/**
 * Suffix marking the id of a mirrored copy (`"happy/1.jpg#mirror"` is the mirror image of `"happy/1.jpg"`), so that
 * training sets and features files with mirrored copies can pair each copy with its original.
 */
export const MIRROR_ID_SUFFIX = "#mirror";

/** Left-right mirrored copies of a block of `count` gray `size` x `size` faces (same layout as the input). */
export function mirrorFaces(pixels: Uint8Array, count: number, size: number): Uint8Array {
  if (pixels.length !== count * size * size) {
    throw new RangeError(`mirrorFaces: expected ${count}x${size}x${size}=${count * size * size} bytes, got ${pixels.length}`);
  }
  const out = new Uint8Array(pixels.length);
  for (let r = 0; r < count * size; r++) {
    const base = r * size;
    for (let x = 0; x < size; x++) out[base + size - 1 - x] = pixels[base + x]!;
  }
  return out;
}
