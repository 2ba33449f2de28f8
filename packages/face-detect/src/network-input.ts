import type { Image } from "@fer/preprocess";

/** For one axis: for each output index, the source indices and weights that make it (weights sum to 1). */
interface AxisTaps {
  /** Output index `o` uses entries `start[o] .. start[o+1]-1` of `index` / `weight`. */
  readonly start: Int32Array;
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

/**
 * Sampling taps along one axis with the geometry of OpenCV's `resize`: shrinking averages the source pixels each
 * output pixel covers (INTER_AREA); enlarging interpolates between pixel centres (INTER_LINEAR).
 */
function axisTaps(inSize: number, outSize: number): AxisTaps {
  const start = new Int32Array(outSize + 1);
  const index: number[] = [];
  const weight: number[] = [];
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    start[o] = index.length;
    if (scale > 1) {
      const a = o * scale;
      const b = Math.min(inSize, a + scale);
      for (let i = Math.floor(a); i < b; i++) {
        const cover = Math.min(b, i + 1) - Math.max(a, i);
        if (cover > 1e-9) {
          index.push(i);
          weight.push(cover / scale);
        }
      }
    } else {
      const c = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
      const i0 = Math.floor(c);
      const f = c - i0;
      index.push(i0);
      weight.push(1 - f);
      if (f > 0 && i0 + 1 < inSize) {
        index.push(i0 + 1);
        weight.push(f);
      }
    }
  }
  start[outSize] = index.length;
  return { start, index: Int32Array.from(index), weight: Float32Array.from(weight) };
}

/** How an image is placed in a square network input. */
export interface SquarePlacement {
  /** Side of the square. */
  readonly size: number;
  /** Width and height of the resampled image in the square's top-left corner; the rest is padding. */
  readonly width: number;
  readonly height: number;
  /** Original pixels per square pixel, on both axes (the image keeps its aspect ratio). */
  readonly scale: number;
}

/** Where `img` goes in a `size` x `size` square: scaled to touch two sides, top-left aligned. */
export function placeInSquare(width: number, height: number, size: number): SquarePlacement {
  const k = size / Math.max(width, height);
  return {
    size,
    width: Math.min(size, Math.max(1, Math.round(width * k))),
    height: Math.min(size, Math.max(1, Math.round(height * k))),
    scale: 1 / k,
  };
}

/**
 * Writes the network input for `img` in one pass: the image resampled (area when shrinking, bilinear when enlarging)
 * into the top-left of a `size` x `size` RGB square padded with black, each channel value `v` stored as
 * `(v - mean[c]) * factor`, row-major HWC float32. Gray is replicated to RGB; alpha is ignored.
 * It is the detectors' own fused kernel (resample + normalise + pad) rather than a resize followed by copies,
 * because it runs on every photo.
 */
export function squareNetworkInput(
  img: Image,
  size: number,
  mean: readonly [number, number, number],
  factor: number,
): { data: Float32Array; placement: SquarePlacement } {
  const placement = placeInSquare(img.width, img.height, size);
  const { width: outW, height: outH } = placement;
  const { width, height, channels, data } = img;
  const tx = axisTaps(width, outW);
  const ty = axisTaps(height, outH);
  const g = channels === 1 ? 0 : 1;
  const b = channels === 1 ? 0 : 2;
  // Horizontal pass, only on source rows that some output row uses.
  const used = new Uint8Array(height);
  for (let k = 0; k < ty.index.length; k++) used[ty.index[k]!] = 1;
  const rowLen = outW * 3;
  const tmp = new Float32Array(rowLen * height);
  for (let y = 0; y < height; y++) {
    if (used[y] === 0) continue;
    const rowIn = y * width * channels;
    const rowOut = y * rowLen;
    for (let o = 0; o < outW; o++) {
      let sr = 0;
      let sg = 0;
      let sb = 0;
      const end = tx.start[o + 1]!;
      for (let k = tx.start[o]!; k < end; k++) {
        const p = rowIn + tx.index[k]! * channels;
        const wk = tx.weight[k]!;
        sr += data[p]! * wk;
        sg += data[p + g]! * wk;
        sb += data[p + b]! * wk;
      }
      const q = rowOut + o * 3;
      tmp[q] = sr;
      tmp[q + 1] = sg;
      tmp[q + 2] = sb;
    }
  }
  // Vertical pass straight into the padded, normalised square.
  const out = new Float32Array(size * size * 3);
  const pad0 = -mean[0] * factor;
  const pad1 = -mean[1] * factor;
  const pad2 = -mean[2] * factor;
  const acc = new Float32Array(rowLen);
  for (let y = 0; y < size; y++) {
    const dst = y * size * 3;
    let x0 = 0;
    if (y < outH) {
      acc.fill(0);
      const end = ty.start[y + 1]!;
      for (let k = ty.start[y]!; k < end; k++) {
        const src = ty.index[k]! * rowLen;
        const wk = ty.weight[k]!;
        for (let i = 0; i < rowLen; i++) acc[i] = acc[i]! + tmp[src + i]! * wk;
      }
      for (let i = 0; i < rowLen; i += 3) {
        out[dst + i] = (acc[i]! - mean[0]) * factor;
        out[dst + i + 1] = (acc[i + 1]! - mean[1]) * factor;
        out[dst + i + 2] = (acc[i + 2]! - mean[2]) * factor;
      }
      x0 = outW;
    }
    for (let x = x0; x < size; x++) {
      const q = dst + x * 3;
      out[q] = pad0;
      out[q + 1] = pad1;
      out[q + 2] = pad2;
    }
  }
  return { data: out, placement };
}
