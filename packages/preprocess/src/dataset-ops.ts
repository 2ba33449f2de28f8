import type { FaceDataset } from "./dataset.js";

/** A new dataset holding the images at `indices` (in that order) of `ds`; pixels are copied. */
export function subsetDataset(ds: FaceDataset, indices: ArrayLike<number>): FaceDataset {
  const n = ds.size * ds.size;
  const pixels = new Uint8Array(indices.length * n);
  const labels = new Uint8Array(indices.length);
  const ids: string[] = new Array<string>(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) throw new RangeError(`subsetDataset: index ${i} out of range 0..${ds.count - 1}`);
    pixels.set(ds.pixels.subarray(i * n, (i + 1) * n), k * n);
    labels[k] = ds.labels[i]!;
    ids[k] = ds.ids[i]!;
  }
  return { size: ds.size, count: indices.length, pixels, labels, classes: ds.classes, ids };
}

/**
 * `a` followed by `b`. Both must have the same image size; `b`'s labels are remapped by class NAME onto the
 * union of classes (a's classes first, then b's new ones), so datasets with different class subsets combine safely.
 */
export function concatDatasets(a: FaceDataset, b: FaceDataset): FaceDataset {
  if (a.size !== b.size) throw new RangeError(`concatDatasets: image sizes differ (${a.size} vs ${b.size})`);
  const classes = [...a.classes];
  const remap = b.classes.map((c) => {
    let i = classes.indexOf(c);
    if (i < 0) i = classes.push(c) - 1;
    return i;
  });
  const n = a.size * a.size;
  const pixels = new Uint8Array((a.count + b.count) * n);
  pixels.set(a.pixels.subarray(0, a.count * n), 0);
  pixels.set(b.pixels.subarray(0, b.count * n), a.count * n);
  const labels = new Uint8Array(a.count + b.count);
  labels.set(a.labels.subarray(0, a.count), 0);
  for (let i = 0; i < b.count; i++) labels[a.count + i] = remap[b.labels[i]!]!;
  return { size: a.size, count: a.count + b.count, pixels, labels, classes, ids: [...a.ids, ...b.ids] };
}

/** Number of images per class name (every class of `ds.classes` appears, possibly with 0). */
export function classCounts(ds: FaceDataset): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of ds.classes) counts[c] = 0;
  for (let i = 0; i < ds.count; i++) {
    const name = ds.classes[ds.labels[i]!];
    if (name === undefined) throw new RangeError(`classCounts: label ${ds.labels[i]} of image ${i} has no class name`);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
