import { HeadError } from "./errors.js";
import { argmaxRows, type Head } from "./head.js";
import { toFeatureMatrix, type FeaturesInput } from "./matrix.js";

/**
 * Test-time augmentation: `head`'s per-class probabilities averaged over several views of the same samples (row i of
 * every view is sample i), e.g. the features of each face and of its mirror image. Rows still sum to 1.
 * Throws `bad-shape` when there is no view or the views differ in row count.
 */
export function predictProbaAveraged(head: Head, views: readonly FeaturesInput[]): number[][] {
  if (views.length === 0) throw new HeadError("bad-shape", "no views to average");
  const matrices = views.map((v, i) => toFeatureMatrix(v, `views[${i}]`));
  const rows = matrices[0]!.rows;
  matrices.forEach((m, i) => {
    if (m.rows !== rows) throw new HeadError("bad-shape", `views[${i}] has ${m.rows} rows, views[0] has ${rows}`);
  });
  const sum = head.predictProba(matrices[0]!);
  for (const m of matrices.slice(1)) {
    head.predictProba(m).forEach((row, i) => row.forEach((p, k) => (sum[i]![k]! += p)));
  }
  for (const row of sum) for (let k = 0; k < row.length; k++) row[k]! /= matrices.length;
  return sum;
}

/** The class index with the highest averaged probability per sample (see {@link predictProbaAveraged}); first on ties. */
export function predictAveraged(head: Head, views: readonly FeaturesInput[]): number[] {
  return Array.from(argmaxRows(predictProbaAveraged(head, views).flat(), head.classes.length));
}
