import type { Box, Image } from "./image.js";
import { assertImage } from "./image-check.js";

/** The smallest crop margin: a negative margin cuts inside the box (-0.25 keeps its middle half). */
export const MIN_MARGIN = -0.25;

/** Options of {@link cropBox} and {@link expandBox}. */
export interface CropOptions {
  /**
   * Extra context added on every side, as a fraction of the box size (0.1 = 10% of width left and right, 10% of height
   * top and bottom; -0.05 cuts 5% off every side). Default 0; at least {@link MIN_MARGIN}.
   */
  margin?: number;
  /** Make the box square (side = the larger of width/height, centred on the box) before adding the margin. Default false. */
  square?: boolean;
}

/**
 * The integer box {@link cropBox} would cut: `box` grown by `margin`, made square if asked, and kept inside an
 * image of `imageWidth` x `imageHeight`. A square box is shifted (and if needed shrunk) to stay square inside
 * the image; a non-square box is intersected with the image. Throws a `RangeError` if nothing is left.
 */
export function expandBox(box: Box, imageWidth: number, imageHeight: number, options: CropOptions = {}): Box {
  const margin = options.margin ?? 0;
  if (!Number.isFinite(margin) || margin < MIN_MARGIN) throw new RangeError(`cropBox: margin must be >= ${MIN_MARGIN}, got ${margin}`);
  if (![box.x, box.y, box.width, box.height].every(Number.isFinite) || box.width <= 0 || box.height <= 0) {
    throw new RangeError(`cropBox: bad box ${JSON.stringify(box)}`);
  }
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  if (options.square) {
    let side = Math.round(Math.max(box.width, box.height) * (1 + 2 * margin));
    side = Math.max(1, Math.min(side, imageWidth, imageHeight));
    const x = Math.min(Math.max(0, Math.round(cx - side / 2)), imageWidth - side);
    const y = Math.min(Math.max(0, Math.round(cy - side / 2)), imageHeight - side);
    return { x, y, width: side, height: side };
  }
  const w = box.width * (1 + 2 * margin);
  const h = box.height * (1 + 2 * margin);
  const x0 = Math.max(0, Math.round(cx - w / 2));
  const y0 = Math.max(0, Math.round(cy - h / 2));
  const x1 = Math.min(imageWidth, Math.round(cx + w / 2));
  const y1 = Math.min(imageHeight, Math.round(cy + h / 2));
  if (x1 <= x0 || y1 <= y0) {
    throw new RangeError(`cropBox: box ${JSON.stringify(box)} lies outside the ${imageWidth}x${imageHeight} image`);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Cuts a box out of an image (any channel count), with an optional margin (fraction of the box size) and an
 * optional square shape, clamped at the image borders (see {@link expandBox}).
 */
export function cropBox<T extends Image>(img: T, box: Box, options: CropOptions = {}): T {
  assertImage(img);
  const r = expandBox(box, img.width, img.height, options);
  const ch = img.channels;
  const out = new Uint8Array(r.width * r.height * ch);
  const rowBytes = r.width * ch;
  for (let y = 0; y < r.height; y++) {
    const src = ((r.y + y) * img.width + r.x) * ch;
    out.set(img.data.subarray(src, src + rowBytes), y * rowBytes);
  }
  return { ...img, width: r.width, height: r.height, data: out };
}
