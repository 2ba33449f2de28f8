import { readdir } from "node:fs/promises";
import path from "node:path";
import { EMOTIONS } from "@fer/preprocess";
import sharp from "sharp";
import type { FeatureSet } from "../node/features-file.js";
import { readFeatures, writeFeatures } from "../node/features-file.js";
import { fer2013Dir, packageDir } from "./shared-data.js";

/** Options of {@link loadPooledPixels}. */
export interface PooledPixelsOptions {
  /** Side of the pooled grid: the 48x48 face becomes grid x grid averages (default 8 -> 64 features). */
  readonly grid?: number;
  /** Only these classes (names from EMOTIONS); labels still index EMOTIONS. Default: all seven. */
  readonly classes?: readonly string[];
  /** At most this many images per class (the first ones in file-name order). Default: all. */
  readonly perClass?: number;
  /** Cache the result in `packages/heads/.cache/` (a features file named after the options) and reuse it. Default true. */
  readonly cache?: boolean;
}

/**
 * Stand-in features that need no trained CNN: each FER2013 face (48x48 grayscale JPEG) average-pooled
 * to grid x grid cells, values in [0, 1]. Real, fixed and cheap, so benchmarks and tests can exercise every
 * head on real data; the CNN's dense-layer features replace them once a trained model exists.
 */
export async function loadPooledPixels(split: "train" | "test", options: PooledPixelsOptions = {}): Promise<FeatureSet> {
  const grid = options.grid ?? 8;
  const classes = options.classes ?? EMOTIONS;
  const subset = `${options.classes ? `-${[...options.classes].join("+")}` : ""}${options.perClass !== undefined ? `-${options.perClass}each` : ""}`;
  const useCache = options.cache ?? true;
  const cacheFile = path.join(packageDir(), ".cache", `pooled-${split}-${grid}x${grid}${subset}.json`);
  if (useCache) {
    try {
      return await readFeatures(cacheFile);
    } catch {
      // not cached yet
    }
  }
  const root = fer2013Dir(split);
  const files: { file: string; label: number; id: string }[] = [];
  for (const name of classes) {
    const label = (EMOTIONS as readonly string[]).indexOf(name);
    if (label < 0) throw new Error(`unknown class ${name}`);
    const names = (await readdir(path.join(root, name))).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
    for (const f of names.slice(0, options.perClass ?? names.length)) {
      files.push({ file: path.join(root, name, f), label, id: `${name}/${f}` });
    }
  }
  const dim = grid * grid;
  const data = new Float32Array(files.length * dim);
  const labels = new Uint8Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const item = files[i]!;
      const { data: px, info } = await sharp(item.file).greyscale().raw().toBuffer({ resolveWithObject: true });
      poolInto(px, info.width, info.height, info.channels, grid, data.subarray(i * dim, (i + 1) * dim));
      labels[i] = item.label;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const set: FeatureSet = {
    features: { rows: files.length, cols: dim, data },
    labels,
    classes: [...EMOTIONS],
    ids: files.map((f) => f.id),
    source: `fer2013/${split} grayscale average-pooled to ${grid}x${grid}, /255`,
  };
  if (useCache) await writeFeatures(cacheFile, set);
  return set;
}

/** Averages a (width x height, `channels`-interleaved, first channel used) image into grid x grid cells of `out`. */
export function poolInto(px: Uint8Array, width: number, height: number, channels: number, grid: number, out: Float32Array): void {
  const sums = new Float64Array(grid * grid);
  const counts = new Float64Array(grid * grid);
  for (let y = 0; y < height; y++) {
    const gy = Math.min(grid - 1, Math.floor((y * grid) / height));
    for (let x = 0; x < width; x++) {
      const gx = Math.min(grid - 1, Math.floor((x * grid) / width));
      sums[gy * grid + gx]! += px[(y * width + x) * channels]!;
      counts[gy * grid + gx]! += 1;
    }
  }
  for (let c = 0; c < grid * grid; c++) out[c] = sums[c]! / counts[c]! / 255;
}
