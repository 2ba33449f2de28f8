import * as tf from "@tensorflow/tfjs-core";

/**
 * Adaptive average pooling of an `[N, H, W, C]` feature map to a `grid` x `grid` grid of cell means, flattened
 * to `[N, grid*grid*C]` (cell-major, channels last). Cell r spans rows `floor(r*H/grid) .. ceil((r+1)*H/grid)`,
 * like PyTorch's AdaptiveAvgPool2d. `grid` 1 is global average pooling.
 */
export function gridAveragePool(x: tf.Tensor4D, grid: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    if (grid === 1) return tf.mean(x, [1, 2]) as tf.Tensor2D;
    const cells: tf.Tensor2D[] = [];
    for (const [r0, r1] of gridSpans(h, grid)) {
      for (const [c0, c1] of gridSpans(w, grid)) cells.push(tf.mean(tf.slice(x, [0, r0, c0, 0], [n, r1 - r0, c1 - c0, c]), [1, 2]) as tf.Tensor2D);
    }
    return tf.concat(cells, 1);
  });
}

/** The `grid` cells of a side of `size` pixels: cell r spans `[floor(r*size/grid), ceil((r+1)*size/grid))`. */
function gridSpans(size: number, grid: number): Array<readonly [number, number]> {
  return Array.from({ length: grid }, (_, r) => [Math.floor((r * size) / grid), Math.ceil(((r + 1) * size) / grid)] as const);
}

/**
 * {@link gridAveragePool} of an NCHW feature map held in a plain array (`[n, c, h, w]`, e.g. an onnxruntime output):
 * the same cells and the same `[n, grid*grid*c]` order (cell-major, channels last).
 */
export function gridAveragePoolNchw(x: Float32Array, [n, c, h, w]: readonly number[], grid: number): Float32Array {
  const out = new Float32Array(n! * grid * grid * c!);
  const rows = gridSpans(h!, grid);
  const cols = gridSpans(w!, grid);
  let o = 0;
  for (let f = 0; f < n!; f++) {
    for (const [r0, r1] of rows) {
      for (const [c0, c1] of cols) {
        for (let ch = 0; ch < c!; ch++) {
          const base = (f * c! + ch) * h! * w!;
          let sum = 0;
          for (let y = r0; y < r1; y++) for (let x2 = c0; x2 < c1; x2++) sum += x[base + y * w! + x2]!;
          out[o++] = sum / ((r1 - r0) * (c1 - c0));
        }
      }
    }
  }
  return out;
}

/** Parses a layer id of the form `<tap>` or `<tap>-grid<g>` into the tap name and the pooling grid (default 1). */
export function parseLayerId(id: string): { tap: string; grid: number } {
  const m = /^(.*)-grid(\d+)$/.exec(id);
  if (!m) return { tap: id, grid: 1 };
  return { tap: m[1]!, grid: Number(m[2]) };
}
