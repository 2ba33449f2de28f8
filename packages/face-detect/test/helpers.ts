import path from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom, type Box, type Image } from "@fer/preprocess";
import { decodeImage } from "@fer/preprocess/node";
import { iou } from "../src/boxes.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** The monorepo root (packages/face-detect/test -> ../../..). */
export const REPO_ROOT = path.resolve(here, "../../..");
/** Shared read-only data: `../shared` beside the repo root, or `FER_SHARED_DIR`. */
export const SHARED_DIR = process.env.FER_SHARED_DIR ?? path.resolve(REPO_ROOT, "../shared");
export const PHOTOS_DIR = path.join(SHARED_DIR, "photos");
export const WIDER_DIR = path.join(SHARED_DIR, "datasets/widerface-val-sample");

/** Decodes one of the shared photos (EXIF orientation applied). */
export function loadPhoto(name: string): Promise<Image> {
  return decodeImage(path.join(PHOTOS_DIR, name));
}

/** A uniform image of one value. */
export function blankImage(width: number, height: number, channels: 1 | 3 | 4, value = 128): Image {
  return { width, height, channels, data: new Uint8Array(width * height * channels).fill(value) };
}

/** Uniform random noise. */
export function noiseImage(width: number, height: number, channels: 1 | 3 | 4, seed = 1): Image {
  const next = seededRandom(seed);
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * 256);
  return { width, height, channels, data };
}

/** Converts an RGB image to RGBA (opaque) or to gray (BT.601, like OpenCV). */
export function withChannels(img: Image, channels: 1 | 4): Image {
  const n = img.width * img.height;
  const out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    const r = img.data[i * 3]!;
    const g = img.data[i * 3 + 1]!;
    const b = img.data[i * 3 + 2]!;
    if (channels === 4) {
      out.set([r, g, b, 255], i * 4);
    } else {
      out[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
  return { width: img.width, height: img.height, channels, data: out };
}

/** How many of `expected` have a box in `found` with IoU >= `minIou`. */
export function countMatched(expected: readonly Box[], found: readonly Box[], minIou = 0.4): number {
  return expected.filter((e) => found.some((f) => iou(e, f) >= minIou)).length;
}

/** Asserts-friendly check that every box is a whole-pixel box inside the image. */
export function allInside(boxes: readonly Box[], img: Image): boolean {
  return boxes.every(
    (b) =>
      [b.x, b.y, b.width, b.height].every(Number.isInteger) &&
      b.x >= 0 &&
      b.y >= 0 &&
      b.width >= 1 &&
      b.height >= 1 &&
      b.x + b.width <= img.width &&
      b.y + b.height <= img.height,
  );
}
