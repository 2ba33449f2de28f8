import { seededRandom } from "@fer/preprocess";

/** A permutation of 0..n-1 that depends only on (seed, epoch), so a resumed run sees the same order. */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  const rand = seededRandom((seed * 1000003 + epoch * 7919) >>> 0);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

/** Copies the faces `order[start..end)` of a [N, pixelsPerFace] block into `out`, with their labels. */
export function gatherBatch(
  faces: Float32Array,
  labels: Uint8Array,
  pixelsPerFace: number,
  order: Uint32Array,
  start: number,
  end: number,
  out: Float32Array,
  outLabels: Int32Array,
): void {
  for (let b = 0, i = start; i < end; i++, b++) {
    const idx = order[i] as number;
    out.set(faces.subarray(idx * pixelsPerFace, (idx + 1) * pixelsPerFace), b * pixelsPerFace);
    outLabels[b] = labels[idx] as number;
  }
}
