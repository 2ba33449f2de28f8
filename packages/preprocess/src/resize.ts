import type { Image } from "./image.js";
import { assertImage } from "./image-check.js";

/** Resampling method of {@link resize}. */
export type ResizeMethod = "area" | "bilinear";

/** Options of {@link resize}. */
export interface ResizeOptions {
  /**
   * `"area"` (default): each output pixel is the mean of the source pixels it covers, with fractional coverage at
   * the edges (OpenCV `INTER_AREA` when shrinking; the right choice to shrink faces). When an axis is enlarged,
   * `"area"` falls back to `"bilinear"`.
   * `"bilinear"`: bilinear interpolation with pixel centres at +0.5 (OpenCV `INTER_LINEAR` geometry).
   */
  method?: ResizeMethod;
}

/** One output sample along an axis: the source indices and weights that make it. */
interface AxisTaps {
  /** For output index i, taps occupy `[start[i], start[i+1])` of `index` / `weight`. */
  start: Uint32Array;
  index: Uint32Array;
  weight: Float32Array;
}

function areaTaps(src: number, dst: number): AxisTaps {
  const scale = src / dst;
  const idx: number[] = [];
  const w: number[] = [];
  const start = new Uint32Array(dst + 1);
  for (let d = 0; d < dst; d++) {
    start[d] = idx.length;
    const lo = d * scale;
    const hi = Math.min(src, (d + 1) * scale);
    for (let s = Math.floor(lo); s < hi; s++) {
      const cover = Math.min(hi, s + 1) - Math.max(lo, s);
      if (cover > 1e-9) {
        idx.push(s);
        w.push(cover / scale);
      }
    }
  }
  start[dst] = idx.length;
  return { start, index: Uint32Array.from(idx), weight: Float32Array.from(w) };
}

function bilinearTaps(src: number, dst: number): AxisTaps {
  const scale = src / dst;
  const start = new Uint32Array(dst + 1);
  const index = new Uint32Array(dst * 2);
  const weight = new Float32Array(dst * 2);
  for (let d = 0; d < dst; d++) {
    let f = (d + 0.5) * scale - 0.5;
    let s = Math.floor(f);
    f -= s;
    if (s < 0) {
      s = 0;
      f = 0;
    }
    if (s >= src - 1) {
      s = src - 1;
      f = 0;
    }
    start[d] = d * 2;
    index[d * 2] = s;
    weight[d * 2] = 1 - f;
    index[d * 2 + 1] = Math.min(s + 1, src - 1);
    weight[d * 2 + 1] = f;
  }
  start[dst] = dst * 2;
  return { start, index, weight };
}

/**
 * Resizes an image to `width` x `height` (any channel count). Separable resampling, float accumulation, rounded
 * and clamped to 0..255. Returns a copy when the size does not change.
 */
export function resize<T extends Image>(img: T, width: number, height: number, options: ResizeOptions = {}): T {
  assertImage(img);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`resize: target size must be positive integers, got ${width}x${height}`);
  }
  const { width: sw, height: sh, channels: ch, data } = img;
  if (sw === width && sh === height) return { ...img, data: data.slice() };
  const method = options.method ?? "area";
  const useArea = method === "area" && width <= sw && height <= sh;
  const tx = useArea ? areaTaps(sw, width) : bilinearTaps(sw, width);
  const ty = useArea ? areaTaps(sh, height) : bilinearTaps(sh, height);

  // Horizontal pass: sh rows x width x ch floats.
  const tmp = new Float32Array(sh * width * ch);
  for (let y = 0; y < sh; y++) {
    const srow = y * sw * ch;
    const trow = y * width * ch;
    for (let x = 0; x < width; x++) {
      const a = tx.start[x]!;
      const b = tx.start[x + 1]!;
      for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (let k = a; k < b; k++) acc += data[srow + tx.index[k]! * ch + c]! * tx.weight[k]!;
        tmp[trow + x * ch + c] = acc;
      }
    }
  }
  // Vertical pass.
  const out = new Uint8Array(width * height * ch);
  const rowLen = width * ch;
  for (let y = 0; y < height; y++) {
    const a = ty.start[y]!;
    const b = ty.start[y + 1]!;
    const orow = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let acc = 0;
      for (let k = a; k < b; k++) acc += tmp[ty.index[k]! * rowLen + i]! * ty.weight[k]!;
      const v = Math.round(acc);
      out[orow + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { ...img, width, height, data: out };
}
