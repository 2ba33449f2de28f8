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

/** How an image is placed in a network input: resampled into its top-left corner, the rest padded. */
export interface NetworkPlacement {
  /** Width and height of the network input (the tensor the network sees). */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** Width and height of the resampled image in the input's top-left corner; the rest is padding. */
  readonly width: number;
  readonly height: number;
  /** Original pixels per input pixel, on both axes (the image keeps its aspect ratio). */
  readonly scale: number;
  /** Where the resampled image's top-left corner is in the input (default 0, 0: top-left aligned). */
  readonly left?: number;
  readonly top?: number;
}

/**
 * Where a `width` x `height` image goes in a network input whose longer side is `size`: scaled so that its longer
 * side is `size`, top-left aligned. With `square`, the input is `size` x `size`; otherwise its shorter side is the
 * image's, rounded up to a multiple of `multiple` (so a 1024x676 photo at 512 gets a 512x352 input, not 512x512:
 * the network does not compute on padding).
 */
export function placeInInput(width: number, height: number, size: number, square: boolean, multiple = 32): NetworkPlacement {
  const k = size / Math.max(width, height);
  const w = Math.min(size, Math.max(1, Math.round(width * k)));
  const h = Math.min(size, Math.max(1, Math.round(height * k)));
  const fit = (v: number): number => (square ? size : Math.min(size, Math.ceil(v / multiple) * multiple));
  return { inputWidth: fit(w), inputHeight: fit(h), width: w, height: h, scale: 1 / k };
}

/** Where an image goes in a `size` x `size` square: scaled to touch two sides, top-left aligned. */
export function placeInSquare(width: number, height: number, size: number): NetworkPlacement {
  return placeInInput(width, height, size, true);
}

/**
 * Writes the network input for `img` at `placement` in one pass: the image resampled (area when shrinking, bilinear
 * when enlarging) into an `inputWidth` x `inputHeight` RGB input at (`left`, `top`) (default: top-left), padded with black, each channel
 * value `v` stored as `(v - mean[c]) * factor`, row-major float32: interleaved (`hwc`, the default) or in planes
 * (`chw-rgb`, `chw-bgr`: `[3, inputHeight, inputWidth]` in that channel order, for NCHW ONNX graphs); `mean` is
 * always in RGB order. Gray is replicated to RGB; alpha is ignored.
 * It is the detectors' own fused kernel (resample + normalise + pad) rather than a resize followed by copies,
 * because it runs on every photo: row by row, the source rows an output row covers are summed into one reused
 * buffer, which is then resampled across, so no image-sized temporary is allocated.
 */
export function networkInput(
  img: Image,
  placement: NetworkPlacement,
  mean: readonly [number, number, number],
  factor: number,
  layout: "hwc" | "chw-rgb" | "chw-bgr" = "hwc",
): Float32Array {
  const { width: outW, height: outH, inputWidth, inputHeight } = placement;
  const left = placement.left ?? 0;
  const top = placement.top ?? 0;
  if (left < 0 || top < 0 || left + outW > inputWidth || top + outH > inputHeight) {
    throw new RangeError(`placement ${outW}x${outH} at (${left}, ${top}) does not fit a ${inputWidth}x${inputHeight} input`);
  }
  const { width, height, channels, data } = img;
  const tx = axisTaps(width, outW);
  const ty = axisTaps(height, outH);
  // Horizontal taps as offsets into a source row, with the normalising factor folded into the weights.
  const txOffset = new Int32Array(tx.index.length);
  const txWeight = new Float32Array(tx.weight.length);
  for (let k = 0; k < tx.index.length; k++) {
    txOffset[k] = tx.index[k]! * channels;
    txWeight[k] = tx.weight[k]! * factor;
  }
  const g = channels === 1 ? 0 : 1;
  const b = channels === 1 ? 0 : 2;
  const m0 = mean[0] * factor;
  const m1 = mean[1] * factor;
  const m2 = mean[2] * factor;
  const rowLen = width * channels;
  const acc = new Float32Array(rowLen);
  const out = new Float32Array(inputWidth * inputHeight * 3);
  // Where the three values of a pixel go: interleaved (step 3) or in planes (step 1, planes `plane` floats apart).
  const plane = inputWidth * inputHeight;
  const step = layout === "hwc" ? 3 : 1;
  const [o0, o1, o2] = layout === "hwc" ? [0, 1, 2] : layout === "chw-rgb" ? [0, plane, 2 * plane] : [2 * plane, plane, 0];
  for (let row = 0; row < inputHeight; row++) {
    let q = row * inputWidth * step;
    let x0 = 0;
    const y = row - top;
    if (y >= 0 && y < outH) {
      for (; x0 < left; x0++, q += step) {
        out[q + o0] = -m0;
        out[q + o1] = -m1;
        out[q + o2] = -m2;
      }
      // Vertical: the weighted sum of the source rows this output row covers, two rows per pass over `acc`.
      const k0 = ty.start[y]!;
      const kEnd = ty.start[y + 1]!;
      let k = k0;
      if (kEnd - k0 >= 2) {
        const s0 = ty.index[k]! * rowLen;
        const s1 = ty.index[k + 1]! * rowLen;
        const w0 = ty.weight[k]!;
        const w1 = ty.weight[k + 1]!;
        for (let i = 0; i < rowLen; i++) acc[i] = data[s0 + i]! * w0 + data[s1 + i]! * w1;
        k += 2;
      } else {
        const s0 = ty.index[k]! * rowLen;
        const w0 = ty.weight[k]!;
        for (let i = 0; i < rowLen; i++) acc[i] = data[s0 + i]! * w0;
        k += 1;
      }
      for (; k + 1 < kEnd; k += 2) {
        const s0 = ty.index[k]! * rowLen;
        const s1 = ty.index[k + 1]! * rowLen;
        const w0 = ty.weight[k]!;
        const w1 = ty.weight[k + 1]!;
        for (let i = 0; i < rowLen; i++) acc[i] = acc[i]! + data[s0 + i]! * w0 + data[s1 + i]! * w1;
      }
      if (k < kEnd) {
        const s0 = ty.index[k]! * rowLen;
        const w0 = ty.weight[k]!;
        for (let i = 0; i < rowLen; i++) acc[i] = acc[i]! + data[s0 + i]! * w0;
      }
      // Horizontal, normalised.
      for (let o = 0; o < outW; o++, q += step) {
        let sr = 0;
        let sg = 0;
        let sb = 0;
        const end = tx.start[o + 1]!;
        for (let k = tx.start[o]!; k < end; k++) {
          const p = txOffset[k]!;
          const wk = txWeight[k]!;
          sr += acc[p]! * wk;
          sg += acc[p + g]! * wk;
          sb += acc[p + b]! * wk;
        }
        out[q + o0] = sr - m0;
        out[q + o1] = sg - m1;
        out[q + o2] = sb - m2;
      }
      x0 = left + outW;
    }
    for (let x = x0; x < inputWidth; x++, q += step) {
      out[q + o0] = -m0;
      out[q + o1] = -m1;
      out[q + o2] = -m2;
    }
  }
  return out;
}

/** {@link networkInput} into a `size` x `size` square (see {@link placeInSquare}). */
export function squareNetworkInput(
  img: Image,
  size: number,
  mean: readonly [number, number, number],
  factor: number,
): { data: Float32Array; placement: NetworkPlacement } {
  const placement = placeInSquare(img.width, img.height, size);
  return { data: networkInput(img, placement, mean, factor), placement };
}

