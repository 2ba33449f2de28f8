import type { GrayImage } from "./image.js";
import { assertGray, saturateU8 } from "./image-check.js";

const f32 = Math.fround;
const HIST = 256;

/** Options of {@link clahe}: the two parameters of OpenCV's `createCLAHE(clipLimit, tileGridSize)`. */
export interface ClaheOptions {
  /** Contrast limit, relative to a uniform histogram (OpenCV semantics: bin cap = max(1, floor(clipLimit * tilePixels / 256))). <= 0 disables clipping. Default 40. */
  clipLimit?: number;
  /** Tiles across and down, `[columns, rows]` (OpenCV's `tileGridSize` = Size(width, height)). Default [8, 8]. */
  tileGrid?: readonly [number, number];
}

/** A reusable CLAHE for one image size and one setting; see {@link createClahe}. */
export type ClaheFn = (src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number) => void;

function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

/**
 * Builds a CLAHE for `width` x `height` gray images with OpenCV's `createCLAHE(clipLimit, tileGridSize)->apply`
 * semantics: per-tile histograms (an image whose size is not a multiple of the grid is first extended at the
 * bottom/right with BORDER_REFLECT_101, exactly as OpenCV does), clipping with uniform redistribution plus the
 * residual spread at a fixed step, float LUTs, bilinear interpolation between the four nearest tile LUTs.
 * The returned function reads `width*height` pixels at `srcOffset` and writes as many at `dstOffset`
 * (src and dst must not overlap). Precomputing the tables makes block processing fast.
 */
export function createClahe(width: number, height: number, options: ClaheOptions = {}): ClaheFn {
  const clipLimitIn = options.clipLimit ?? 40;
  const [tilesX, tilesY] = options.tileGrid ?? [8, 8];
  if (!Number.isInteger(tilesX) || !Number.isInteger(tilesY) || tilesX < 1 || tilesY < 1) {
    throw new RangeError(`clahe: tileGrid must be two positive integers, got [${tilesX}, ${tilesY}]`);
  }
  if (!Number.isFinite(clipLimitIn)) throw new RangeError(`clahe: clipLimit must be finite, got ${clipLimitIn}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`clahe: bad image size ${width}x${height}`);
  }
  const divisible = width % tilesX === 0 && height % tilesY === 0;
  const extW = divisible ? width : width + tilesX - (width % tilesX);
  const extH = divisible ? height : height + tilesY - (height % tilesY);
  const tileW = extW / tilesX;
  const tileH = extH / tilesY;
  const tileTotal = tileW * tileH;
  const lutScale = f32(f32(HIST - 1) / tileTotal);
  const clipLimit = clipLimitIn > 0 ? Math.max(1, Math.trunc((clipLimitIn * tileTotal) / HIST)) : 0;

  // Source row/column of every extended-image row/column (reflect-101 padding at bottom/right).
  const mapX = new Int32Array(extW);
  for (let x = 0; x < extW; x++) mapX[x] = reflect101(x, width);
  const mapY = new Int32Array(extH);
  for (let y = 0; y < extH; y++) mapY[y] = reflect101(y, height) * width;

  // Interpolation tables (OpenCV CLAHE_Interpolation_Body, float arithmetic).
  const invTw = f32(1 / tileW);
  const invTh = f32(1 / tileH);
  const ind1 = new Int32Array(width);
  const ind2 = new Int32Array(width);
  const xa = new Float32Array(width);
  const xa1 = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const txf = f32(f32(x * invTw) - 0.5);
    let tx1 = Math.floor(txf);
    let tx2 = tx1 + 1;
    const a = f32(txf - tx1);
    xa[x] = a;
    xa1[x] = f32(1 - a);
    tx1 = Math.max(tx1, 0);
    tx2 = Math.min(tx2, tilesX - 1);
    ind1[x] = tx1 * HIST;
    ind2[x] = tx2 * HIST;
  }
  const rowTy1 = new Int32Array(height);
  const rowTy2 = new Int32Array(height);
  const ya = new Float32Array(height);
  const ya1 = new Float32Array(height);
  for (let y = 0; y < height; y++) {
    const tyf = f32(f32(y * invTh) - 0.5);
    const ty1 = Math.floor(tyf);
    const a = f32(tyf - ty1);
    ya[y] = a;
    ya1[y] = f32(1 - a);
    rowTy1[y] = Math.max(ty1, 0) * tilesX * HIST;
    rowTy2[y] = Math.min(ty1 + 1, tilesY - 1) * tilesX * HIST;
  }

  const lut = new Uint8Array(tilesX * tilesY * HIST);
  const hist = new Int32Array(HIST);

  return (src, srcOffset, dst, dstOffset) => {
    // 1. One LUT per tile.
    for (let ty = 0; ty < tilesY; ty++) {
      for (let tx = 0; tx < tilesX; tx++) {
        hist.fill(0);
        for (let y = ty * tileH; y < (ty + 1) * tileH; y++) {
          const row = srcOffset + mapY[y]!;
          for (let x = tx * tileW; x < (tx + 1) * tileW; x++) hist[src[row + mapX[x]!]!]!++;
        }
        if (clipLimit > 0) {
          let clipped = 0;
          for (let i = 0; i < HIST; i++) {
            if (hist[i]! > clipLimit) {
              clipped += hist[i]! - clipLimit;
              hist[i] = clipLimit;
            }
          }
          const batch = Math.trunc(clipped / HIST);
          let residual = clipped - batch * HIST;
          for (let i = 0; i < HIST; i++) hist[i]! += batch;
          if (residual !== 0) {
            const step = Math.max(Math.trunc(HIST / residual), 1);
            for (let i = 0; i < HIST && residual > 0; i += step, residual--) hist[i]!++;
          }
        }
        const base = (ty * tilesX + tx) * HIST;
        let sum = 0;
        for (let i = 0; i < HIST; i++) {
          sum += hist[i]!;
          lut[base + i] = saturateU8(f32(sum * lutScale));
        }
      }
    }
    // 2. Bilinear blend of the four nearest tile LUTs.
    for (let y = 0; y < height; y++) {
      const p1 = rowTy1[y]!;
      const p2 = rowTy2[y]!;
      const wy = ya[y]!;
      const wy1 = ya1[y]!;
      const srow = srcOffset + y * width;
      const drow = dstOffset + y * width;
      for (let x = 0; x < width; x++) {
        const v = src[srow + x]!;
        const i1 = ind1[x]! + v;
        const i2 = ind2[x]! + v;
        const w = xa[x]!;
        const w1 = xa1[x]!;
        const top = f32(f32(lut[p1 + i1]! * w1) + f32(lut[p1 + i2]! * w));
        const bottom = f32(f32(lut[p2 + i1]! * w1) + f32(lut[p2 + i2]! * w));
        dst[drow + x] = saturateU8(f32(f32(top * wy1) + f32(bottom * wy)));
      }
    }
  };
}

/**
 * Contrast Limited Adaptive Histogram Equalisation of a gray image with the semantics of OpenCV's
 * `createCLAHE(clipLimit, tileGridSize).apply` (defaults clipLimit 40, tileGrid [8, 8], as OpenCV).
 * The FER study used `{ clipLimit: 4, tileGrid: [4, 4] }`.
 */
export function clahe(gray: GrayImage, options: ClaheOptions = {}): GrayImage {
  assertGray(gray, "clahe");
  const out = new Uint8Array(gray.data.length);
  createClahe(gray.width, gray.height, options)(gray.data, 0, out, 0);
  return { width: gray.width, height: gray.height, channels: 1, data: out };
}
