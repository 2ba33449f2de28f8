import { predictProbaAveraged, type Head } from "@fer/heads/web";
import type { FaceScores } from "./pipeline.js";

// From a head's probabilities to the pipeline's per-face scores: shared by the Node pipeline and the browser one
// (web/); no Node built-in may be imported here.

/**
 * Per-face scores in the pipeline's class order from a head's probability rows: `headClassIndex[k]` is the pipeline
 * class of the head's class k (classes the head does not predict score 0). The emotion is the first class of highest score.
 */
export function scoresFromProba(proba: readonly (readonly number[])[], classes: readonly string[], headClassIndex: readonly number[]): FaceScores[] {
  return proba.map((row) => {
    const full = new Array<number>(classes.length).fill(0);
    row.forEach((p, k) => {
      full[headClassIndex[k] as number] = p;
    });
    let best = 0;
    for (let k = 1; k < full.length; k++) if ((full[k] as number) > (full[best] as number)) best = k;
    const scores: Record<string, number> = {};
    classes.forEach((c, k) => {
      scores[c] = full[k] as number;
    });
    return { emotion: classes[best] as string, confidence: full[best] as number, scores };
  });
}

/**
 * Per-face scores of `count` faces from their features (`count` rows, or with `mirrorAverage` the faces then their
 * mirror images: `2 * count` rows, the head's probabilities of both views averaged as `predictProbaAveraged` does).
 */
export function scoreFeatures(
  head: Head,
  features: Float32Array,
  count: number,
  mirrorAverage: boolean,
  classes: readonly string[],
  headClassIndex: readonly number[],
): FaceScores[] {
  if (count === 0) return [];
  const dim = features.length / (mirrorAverage ? 2 * count : count);
  const proba = mirrorAverage
    ? predictProbaAveraged(head, [
        { rows: count, cols: dim, data: features.subarray(0, count * dim) },
        { rows: count, cols: dim, data: features.subarray(count * dim, 2 * count * dim) },
      ])
    : head.predictProba({ rows: count, cols: dim, data: features });
  return scoresFromProba(proba, classes, headClassIndex);
}
