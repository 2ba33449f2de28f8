import type { FeatureMatrix } from "../core/matrix.js";

/** The RBF kernel width setting: a number, or scikit-learn's 'scale' / 'auto'. */
export type GammaSetting = number | "scale" | "auto";

/**
 * Resolves gamma as scikit-learn does: 'scale' = 1 / (D * Var(X)) with the variance of all values of X
 * (the features as the SVM sees them, i.e. after standardisation when on), 'auto' = 1 / D.
 */
export function resolveGamma(gamma: GammaSetting, x: FeatureMatrix): number {
  if (typeof gamma === "number") return gamma;
  if (gamma === "auto") return 1 / x.cols;
  let mean = 0;
  for (let i = 0; i < x.data.length; i++) mean += x.data[i]!;
  mean /= x.data.length;
  let v = 0;
  for (let i = 0; i < x.data.length; i++) {
    const d = x.data[i]! - mean;
    v += d * d;
  }
  v /= x.data.length;
  return v > 0 ? 1 / (x.cols * v) : 1;
}
