import type { Box, Image } from "./image.js";
import { assertImage } from "./image-check.js";
import { cropBox, expandBox, MIN_MARGIN } from "./crop.js";

/** Eye centres of one face in the image's pixel coordinates (`[x, y]`, floats), left and right as seen in the image. */
export interface EyePoints {
  readonly leftEye: readonly [number, number];
  readonly rightEye: readonly [number, number];
}

/** Options of {@link frameFace} and {@link faceFrame}. */
export interface FaceFrameOptions {
  /**
   * Context on every side of the face, as a fraction of the box's longer side: the square's side is
   * `max(width, height) * (1 + 2 * margin)` (0 = the box itself, 0.1 = 1.2x the box, -0.05 = 0.9x the box).
   * Default 0; allowed range [-0.25, 1]. The same rule as {@link cropBox} with `square: true`.
   */
  margin?: number;
  /**
   * Rotate the face so its eyes are level before cutting the square (one affine warp, bilinear sampling from the
   * image). Needs `eyes`; without them the crop is not rotated. Default false.
   */
  align?: boolean;
  /** The face's eye centres (e.g. a detection's `landmarks`), used when `align` is true. */
  eyes?: EyePoints;
  /**
   * Moves the square's centre down the face (towards the chin; across the eye line when aligned, straight down
   * otherwise) by this fraction of the box's longer side; negative moves it up. Default 0; allowed range [-0.5, 0.5].
   */
  offset?: number;
}

/** Where {@link frameFace} cuts: a square of `side` pixels centred on (`cx`, `cy`), turned by `angle`. */
export interface FaceFrame {
  /** Centre of the square, in image pixel coordinates (continuous: pixel i covers [i, i+1)). */
  readonly cx: number;
  readonly cy: number;
  /** Side of the square in image pixels; the crop has `round(side)` pixels a side. */
  readonly side: number;
  /**
   * Angle of the eye line in the image, in radians (positive = the right eye lower, with y pointing down); the crop's
   * x axis runs along it, so the face comes out with level eyes. 0 when not aligned.
   */
  readonly angle: number;
}

/**
 * The square {@link frameFace} cuts for a face `box` (and its eyes, when aligning) in an image of `imageWidth` x
 * `imageHeight`. Not aligned: {@link expandBox}'s square (shifted, and if needed shrunk, to lie inside the image).
 * Aligned: the square of the same side centred on the box and turned to the eye line; it is not shifted at the image
 * borders (that would move the face off-centre in its crop): samples outside the image repeat the border pixels.
 */
export function faceFrame(box: Box, imageWidth: number, imageHeight: number, options: FaceFrameOptions = {}): FaceFrame {
  if (![box.x, box.y, box.width, box.height].every(Number.isFinite) || box.width <= 0 || box.height <= 0) {
    throw new RangeError(`frameFace: bad box ${JSON.stringify(box)}`);
  }
  const margin = options.margin ?? 0;
  const offset = options.offset ?? 0;
  const eyes = options.align ? options.eyes : undefined;
  checkMargin(margin);
  checkOffset(offset);
  const shift = offset * Math.max(box.width, box.height);
  if (eyes === undefined) {
    const r = expandBox({ ...box, y: box.y + shift }, imageWidth, imageHeight, { margin, square: true });
    return { cx: r.x + r.width / 2, cy: r.y + r.height / 2, side: r.width, angle: 0 };
  }
  const [lx, ly] = eyes.leftEye;
  const [rx, ry] = eyes.rightEye;
  if (![lx, ly, rx, ry].every(Number.isFinite)) throw new RangeError(`frameFace: bad eyes ${JSON.stringify(eyes)}`);
  const angle = lx === rx && ly === ry ? 0 : Math.atan2(ry - ly, rx - lx);
  const side = Math.max(1, Math.round(Math.max(box.width, box.height) * (1 + 2 * margin)));
  // Down the face: the eye line's normal, (-sin, cos) with y pointing down.
  return { cx: box.x + box.width / 2 - shift * Math.sin(angle), cy: box.y + box.height / 2 + shift * Math.cos(angle), side, angle };
}

function checkOffset(offset: number): void {
  if (!Number.isFinite(offset) || Math.abs(offset) > 0.5) throw new RangeError(`frameFace: offset must be in [-0.5, 0.5], got ${offset}`);
}

function checkMargin(margin: number): void {
  if (!Number.isFinite(margin) || margin < MIN_MARGIN || margin > 1) {
    throw new RangeError(`frameFace: margin must be in [${MIN_MARGIN}, 1], got ${margin}`);
  }
}

/**
 * Cuts a face out of an image the way a FER2013 face is framed: a square around the detected `box`, with `margin`
 * context on every side, and — with `align` and the eyes — turned so the eyes are level (one affine warp with
 * bilinear sampling from the original image, not a crop then a rotation), its centre moved down the face by
 * `offset`. Without alignment (and offset 0) it is exactly
 * `cropBox(img, box, { margin, square: true })`. Returns an image with the input's channels, `round(side)` pixels a
 * side (see {@link faceFrame}).
 */
export function frameFace<T extends Image>(img: T, box: Box, options: FaceFrameOptions = {}): T {
  assertImage(img);
  if (!options.align || options.eyes === undefined) {
    const offset = options.offset ?? 0;
    checkOffset(offset);
    return cropBox(img, { ...box, y: box.y + offset * Math.max(box.width, box.height) }, { margin: options.margin ?? 0, square: true });
  }
  return warpSquare(img, faceFrame(box, img.width, img.height, options));
}

/** Samples the turned square `f` of `img` into a `round(side)`-pixel square (bilinear, borders repeated). */
function warpSquare<T extends Image>(img: T, f: FaceFrame): T {
  const n = Math.max(1, Math.round(f.side));
  const ch = img.channels;
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(n * n * ch);
  const step = f.side / n;
  const cos = Math.cos(f.angle) * step;
  const sin = Math.sin(f.angle) * step;
  // Source position (index coordinates: pixel i's centre at i) of output pixel (u, v)'s centre.
  const x0 = f.cx - 0.5 - (n / 2 - 0.5) * (cos - sin);
  const y0 = f.cy - 0.5 - (n / 2 - 0.5) * (sin + cos);
  const acc = new Float64Array(ch);
  for (let v = 0; v < n; v++) {
    for (let u = 0; u < n; u++) {
      let sx = x0 + u * cos - v * sin;
      let sy = y0 + u * sin + v * cos;
      sx = Math.min(Math.max(sx, 0), w - 1);
      sy = Math.min(Math.max(sy, 0), h - 1);
      const ix = Math.min(Math.floor(sx), w - 2 < 0 ? 0 : w - 2);
      const iy = Math.min(Math.floor(sy), h - 2 < 0 ? 0 : h - 2);
      const fx = w === 1 ? 0 : sx - ix;
      const fy = h === 1 ? 0 : sy - iy;
      const x1 = w === 1 ? ix : ix + 1;
      const y1 = h === 1 ? iy : iy + 1;
      const p00 = (iy * w + ix) * ch;
      const p01 = (iy * w + x1) * ch;
      const p10 = (y1 * w + ix) * ch;
      const p11 = (y1 * w + x1) * ch;
      for (let c = 0; c < ch; c++) {
        const top = data[p00 + c]! + (data[p01 + c]! - data[p00 + c]!) * fx;
        const bottom = data[p10 + c]! + (data[p11 + c]! - data[p10 + c]!) * fx;
        acc[c] = top + (bottom - top) * fy;
      }
      const o = (v * n + u) * ch;
      for (let c = 0; c < ch; c++) out[o + c] = Math.round(acc[c]!);
    }
  }
  return { ...img, width: n, height: n, data: out };
}
