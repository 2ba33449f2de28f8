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
    for (let r = 0; r < grid; r++) {
      const r0 = Math.floor((r * h) / grid);
      const r1 = Math.ceil(((r + 1) * h) / grid);
      for (let q = 0; q < grid; q++) {
        const c0 = Math.floor((q * w) / grid);
        const c1 = Math.ceil(((q + 1) * w) / grid);
        cells.push(tf.mean(tf.slice(x, [0, r0, c0, 0], [n, r1 - r0, c1 - c0, c]), [1, 2]) as tf.Tensor2D);
      }
    }
    return tf.concat(cells, 1);
  });
}

/** Parses a layer id of the form `<tap>` or `<tap>-grid<g>` into the tap name and the pooling grid (default 1). */
export function parseLayerId(id: string): { tap: string; grid: number } {
  const m = /^(.*)-grid(\d+)$/.exec(id);
  if (!m) return { tap: id, grid: 1 };
  return { tap: m[1]!, grid: Number(m[2]) };
}
