import type { GrayImage, Image } from "./image.js";
import { assertImage } from "./image-check.js";

// OpenCV's fixed-point RGB->gray coefficients (ITU-R BT.601: 0.299, 0.587, 0.114 scaled by 2^14).
const R2Y = 4899;
const G2Y = 9617;
const B2Y = 1868;
const SHIFT = 14;
const HALF = 1 << (SHIFT - 1);

/**
 * Converts an image to one gray channel with ITU-R BT.601 weights (0.299 R + 0.587 G + 0.114 B),
 * bit-exact with OpenCV's `cvtColor(src, dst, COLOR_RGB2GRAY)` (fixed point, 14-bit).
 * Channels are read as RGB / RGBA (alpha ignored). A gray input is returned as a copy.
 */
export function toGray(img: Image): GrayImage {
  assertImage(img);
  const { width, height, channels, data } = img;
  const n = width * height;
  if (channels === 1) return { width, height, channels: 1, data: data.slice() };
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    out[i] = (data[j]! * R2Y + data[j + 1]! * G2Y + data[j + 2]! * B2Y + HALF) >> SHIFT;
  }
  return { width, height, channels: 1, data: out };
}
