import type { Image } from "./image.js";
import { assertImage } from "./image-check.js";

/** Flips an image left-right (horizontal mirror), any channel count. Returns a new image. */
export function mirror<T extends Image>(img: T): T {
  assertImage(img);
  const { width, height, channels, data } = img;
  const out = new Uint8Array(data.length);
  const row = width * channels;
  for (let y = 0; y < height; y++) {
    const base = y * row;
    for (let x = 0; x < width; x++) {
      const src = base + x * channels;
      const dst = base + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = data[src + c]!;
    }
  }
  return { ...img, data: out };
}
