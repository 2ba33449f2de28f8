import type { FeatureSet } from "../node/features-file.js";
import { assertSameFeaturiser, readFeatures } from "../node/features-file.js";
import { loadPooledPixels } from "./pooled-pixels.js";

/**
 * The train and test feature sets of a benchmark: the given features files (e.g. written by @fer/cnn from a dense
 * layer), or, with none given, FER2013 train/test average-pooled to 8x8 = 64-d (real features needing no CNN).
 */
export async function loadSets(trainFile: string | undefined, testFile: string | undefined): Promise<{ train: FeatureSet; test: FeatureSet; source: string }> {
  if ((trainFile === undefined) !== (testFile === undefined)) throw new Error("give both --train and --test features files, or neither");
  if (trainFile !== undefined && testFile !== undefined) {
    const [train, test] = await Promise.all([readFeatures(trainFile), readFeatures(testFile)]);
    if (train.features.cols !== test.features.cols) throw new Error(`train has ${train.features.cols}-d features, test ${test.features.cols}-d`);
    assertSameFeaturiser({ "--train": train, "--test": test });
    return { train, test, source: `${trainFile} (${train.source ?? "features"}) / ${testFile}` };
  }
  const train = await loadPooledPixels("train");
  const test = await loadPooledPixels("test");
  return { train, test, source: train.source ?? "pooled pixels" };
}
