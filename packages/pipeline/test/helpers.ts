import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { EMOTIONS, type FaceDataset } from "@fer/preprocess";
import { decodeFaceFile, sharedDir } from "@fer/preprocess/node";

/** A FER2013 split folder of the shared data. */
export function fer2013(split: "train" | "test"): string {
  return path.join(sharedDir(), "datasets", "fer2013", split);
}

/** The first `perClass` images (by name) of each class of a FER2013 split, as a dataset. */
export async function ferSlice(split: "train" | "test", perClass: number, skip = 0): Promise<FaceDataset> {
  const root = fer2013(split);
  const pixels: Uint8Array[] = [];
  const labels: number[] = [];
  const ids: string[] = [];
  for (const [label, cls] of EMOTIONS.entries()) {
    const files = (await readdir(path.join(root, cls))).sort().slice(skip, skip + perClass);
    for (const f of files) {
      pixels.push(await decodeFaceFile(path.join(root, cls, f), 48));
      labels.push(label);
      ids.push(`${cls}/${f}`);
    }
  }
  const block = new Uint8Array(pixels.length * 48 * 48);
  pixels.forEach((p, i) => block.set(p, i * 48 * 48));
  return { size: 48, count: pixels.length, pixels: block, labels: Uint8Array.from(labels), classes: [...EMOTIONS], ids };
}

/** The example photos shipped with the package. */
export const PHOTOS = {
  apollo: path.resolve(import.meta.dirname, "../assets/photos/apollo11_crew.jpg"),
  obama: path.resolve(import.meta.dirname, "../assets/photos/obama_family_2011.jpg"),
};

/** Whether a folder holds a trained fer CNN (card.json + model.json). */
export function isModelFolder(dir: string): boolean {
  return existsSync(path.join(dir, "card.json")) && existsSync(path.join(dir, "model.json"));
}
