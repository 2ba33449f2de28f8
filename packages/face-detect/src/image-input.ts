import type { Image } from "@fer/preprocess";
import { FaceDetectError } from "./errors.js";

/**
 * Throws a {@link FaceDetectError} (`bad-image`) unless `img` is a consistent image:
 * positive integer size, 1/3/4 channels and a `Uint8Array` of exactly `width*height*channels` bytes.
 */
export function assertDetectableImage(img: Image): void {
  if (img === null || typeof img !== "object") throw new FaceDetectError("bad-image", "expected an Image object");
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FaceDetectError("bad-image", `width and height must be positive integers, got ${width}x${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new FaceDetectError("bad-image", `channels must be 1, 3 or 4, got ${String(channels)}`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw new FaceDetectError(
      "bad-image",
      `data must be a Uint8Array of ${width}x${height}x${channels}=${width * height * channels} bytes, got ${
        data instanceof Uint8Array ? data.length : typeof data
      }`,
    );
  }
}

/** The size an image is brought to for detection so that its longer side is at most `maxSide` (never upscaled). */
export function detectionSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const longer = Math.max(width, height);
  if (!(maxSide > 0) || longer <= maxSide) return { width, height };
  const k = maxSide / longer;
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

/** Throws `bad-option` unless `value` is undefined or a finite number within `[min, max]`. */
export function checkNumberOption(name: string, value: unknown, min: number, max = Infinity): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new FaceDetectError("bad-option", `${name} must be a number in [${min}, ${max}], got ${String(value)}`);
  }
}

/** Throws `bad-option` unless `value` is undefined or a boolean. */
export function checkBooleanOption(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "boolean") {
    throw new FaceDetectError("bad-option", `${name} must be true or false, got ${String(value)}`);
  }
}

/** Throws `bad-option` unless `value` is undefined or a whole number of threads (1..256). */
export function checkThreadsOption(value: unknown): void {
  checkNumberOption("threads", value, 1, 256);
  if (value !== undefined && !Number.isInteger(value)) throw new FaceDetectError("bad-option", `threads must be a whole number, got ${String(value)}`);
}
