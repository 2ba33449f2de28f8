import type { GrayImage, Image } from "./image.js";

/** Throws a `RangeError` unless `img` is a consistent {@link Image} (positive integer size, data length matches). */
export function assertImage(img: Image, what = "image"): void {
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${width}x${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new RangeError(`${what}: channels must be 1, 3 or 4, got ${String(channels)}`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw new RangeError(
      `${what}: data must be a Uint8Array of ${width}x${height}x${channels}=${width * height * channels} bytes, got ${data?.length}`,
    );
  }
}

/** Throws a `RangeError` unless `img` is a consistent single-channel image. */
export function assertGray(img: Image, what = "image"): asserts img is GrayImage {
  assertImage(img, what);
  if (img.channels !== 1) throw new RangeError(`${what}: expected a 1-channel gray image, got ${img.channels} channels`);
}

/** Rounds half to even, like OpenCV's `cvRound` / `saturate_cast` on x86 (SSE rounding mode). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Rounds half to even and clamps to 0..255, like OpenCV's `saturate_cast<uchar>(float)`. */
export function saturateU8(v: number): number {
  const r = roundHalfEven(v);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}
