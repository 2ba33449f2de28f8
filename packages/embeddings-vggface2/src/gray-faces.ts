import type { Image } from "@fer/preprocess";
import { EmbeddingError } from "./errors.js";

/**
 * Views `count` faces of a block of square gray faces (e.g. `FaceDataset.pixels`) as {@link Image}s, without copying.
 * Face i of the block is `pixels[(start+i)*side*side ..]`.
 */
export function grayFacesView(pixels: Uint8Array, side: number, start: number, count: number): Image[] {
  const n = side * side;
  if (start < 0 || count < 0 || (start + count) * n > pixels.length) {
    throw new EmbeddingError("bad-input", `faces ${start}..${start + count} are outside the block of ${Math.floor(pixels.length / n)} faces`);
  }
  const out: Image[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const o = (start + i) * n;
    out[i] = { width: side, height: side, channels: 1, data: pixels.subarray(o, o + n) };
  }
  return out;
}
