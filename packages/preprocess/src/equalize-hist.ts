import type { GrayImage } from "./image.js";
import { assertGray, saturateU8 } from "./image-check.js";

const f32 = Math.fround;

/**
 * Histogram-equalises `n` gray pixels of `src` starting at `srcOffset` into `dst` at `dstOffset`
 * (OpenCV `equalizeHist` arithmetic: float scale, round half to even). `src` and `dst` may be the same array.
 */
export function equalizeHistInto(src: Uint8Array, srcOffset: number, n: number, dst: Uint8Array, dstOffset: number): void {
  const hist = new Int32Array(256);
  for (let k = 0; k < n; k++) hist[src[srcOffset + k]!]!++;
  let i = 0;
  while (i < 255 && hist[i] === 0) i++;
  if (hist[i] === n) {
    dst.fill(i, dstOffset, dstOffset + n);
    return;
  }
  const lut = new Uint8Array(256);
  const scale = f32(255 / (n - hist[i]!));
  let sum = 0;
  lut[i++] = 0;
  for (; i < 256; i++) {
    sum += hist[i]!;
    lut[i] = saturateU8(f32(sum * scale));
  }
  for (let k = 0; k < n; k++) dst[dstOffset + k] = lut[src[srcOffset + k]!]!;
}

/**
 * Histogram equalisation of a gray image, pixel-for-pixel identical to OpenCV's `cv.equalizeHist`.
 * A constant image stays constant.
 */
export function equalizeHist(gray: GrayImage): GrayImage {
  assertGray(gray, "equalizeHist");
  const out = new Uint8Array(gray.data.length);
  equalizeHistInto(gray.data, 0, gray.data.length, out, 0);
  return { width: gray.width, height: gray.height, channels: 1, data: out };
}
