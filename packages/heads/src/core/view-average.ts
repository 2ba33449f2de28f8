import { argmaxRows } from "@fer/preprocess";
import { HeadError } from "./errors.js";
import type { Head } from "./head.js";
import { toFeatureMatrix, type FeaturesInput } from "./matrix.js";

/**
 * Test-time augmentation: `head`'s per-class probabilities over several views of the same samples (row i of every
 * view is sample i), e.g. the features of each face and of its mirror image: the views' scores are averaged, then the
 * head's calibration is applied once (`head.predictProbaViews`; without a calibration, the mean of the views'
 * probabilities). Rows still sum to 1. Throws `bad-shape` when there is no view or the views differ in row count.
 */
export function predictProbaAveraged(head: Head, views: readonly FeaturesInput[]): number[][] {
  if (views.length === 0) throw new HeadError("bad-shape", "no views to average");
  return head.predictProbaViews(views.map((v, i) => toFeatureMatrix(v, `views[${i}]`)));
}

/** The class index with the highest averaged probability per sample (see {@link predictProbaAveraged}); first on ties. */
export function predictAveraged(head: Head, views: readonly FeaturesInput[]): number[] {
  return Array.from(argmaxRows(predictProbaAveraged(head, views).flat(), head.classes.length));
}
