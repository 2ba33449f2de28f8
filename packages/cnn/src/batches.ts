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

/** The random source for one batch's augmentation: it depends only on (seed, epoch, first position), so a resumed run repeats it. */
export function batchRandom(seed: number, epoch: number, start: number): () => number {
  return seededRandom((Math.imul(seed, 2654435761) ^ Math.imul(epoch, 40503) ^ Math.imul(start + 1, 2246822519)) >>> 0);
}

/**
 * Moves each of the first `count` faces of a [N, size * size] block by its own random whole-pixel offset of at most
 * `maxShift` in x and in y (uniform over -maxShift..maxShift), in place; the edge uncovered by the move repeats the
 * nearest row or column of the face. `scratch` holds one face.
 */
export function shiftFaces(faces: Float32Array, count: number, size: number, maxShift: number, rand: () => number, scratch: Float32Array): void {
  if (maxShift === 0) return;
  const per = size * size;
  const span = 2 * maxShift + 1;
  for (let f = 0; f < count; f++) {
    const dx = Math.floor(rand() * span) - maxShift;
    const dy = Math.floor(rand() * span) - maxShift;
    if (dx === 0 && dy === 0) continue;
    const face = faces.subarray(f * per, (f + 1) * per);
    scratch.set(face);
    for (let y = 0; y < size; y++) {
      const sy = Math.min(size - 1, Math.max(0, y - dy)) * size;
      const row = y * size;
      for (let x = 0; x < size; x++) face[row + x] = scratch[sy + Math.min(size - 1, Math.max(0, x - dx))] as number;
    }
  }
}

/**
 * The random source of one batch's augmentation (see augmentFaces): like {@link batchRandom} a function of (seed, epoch,
 * first position) only, but a separate stream, so adding augmentation leaves the shifts of a run unchanged.
 */
export function augmentRandom(seed: number, epoch: number, start: number): () => number {
  return batchRandom((seed ^ 0x5bd1e995) >>> 0, epoch, start);
}
