import path from "node:path";
import type { FaceDataset } from "@fer/preprocess";
import { loadFolderDataset, sharedDir, subsetDataset } from "@fer/preprocess/node";

/** A small real slice of FER2013 test: the first `perClass` faces of every class. */
export async function ferTestSlice(perClass: number): Promise<FaceDataset> {
  const { dataset } = await loadFolderDataset(path.join(sharedDir(), "datasets/fer2013/test"));
  const idx: number[] = [];
  const seen = new Map<number, number>();
  for (let i = 0; i < dataset.count; i++) {
    const l = dataset.labels[i]!;
    const n = seen.get(l) ?? 0;
    if (n < perClass) {
      idx.push(i);
      seen.set(l, n + 1);
    }
  }
  return subsetDataset(dataset, Uint32Array.from(idx));
}
