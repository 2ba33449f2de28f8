import { loadPooledPixels } from "../src/bench/pooled-pixels.js";
import type { FeatureSet } from "../src/node/features-file.js";

let slice: Promise<{ train: FeatureSet; test: FeatureSet }> | undefined;

/**
 * A small real slice of FER2013 (from the shared dataset): happy vs surprise faces average-pooled to 8x8 = 64-d,
 * 300 per class from train and 150 per class from test. Labels index the seven EMOTIONS (3 = happy, 6 = surprise),
 * so heads also see classes that have no sample. Chance accuracy is 50%.
 */
export function separableSlice(): Promise<{ train: FeatureSet; test: FeatureSet }> {
  slice ??= (async () => {
    const classes = ["happy", "surprise"];
    const train = await loadPooledPixels("train", { classes, perClass: 300 });
    const test = await loadPooledPixels("test", { classes, perClass: 150 });
    return { train, test };
  })();
  return slice;
}

/** Fraction of equal entries. */
export function agreement(a: readonly number[], b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * The compiled package (dist/), for the tests that need real worker threads: worker scripts only exist as compiled
 * JavaScript. Turbo builds the package before testing; a clear error says so when dist/ is missing.
 */
export async function importDist(): Promise<typeof import("../src/index.js")> {
  const url = new URL("../dist/index.js", import.meta.url).href;
  try {
    return (await import(url)) as typeof import("../src/index.js");
  } catch (e) {
    throw new Error(`cannot import ${url}: run \`pnpm --filter @fer/heads build\` before the tests (${(e as Error).message})`);
  }
}
