import type { HeadKind } from "../core/head.js";
import type { ParamValue } from "../core/params.js";

/** A named head configuration. */
export interface HeadConfig {
  readonly name: string;
  readonly kind: HeadKind;
  readonly params: Record<string, ParamValue>;
}

/**
 * The study's heads with its settings (§4, route 1: features of the first/second dense layer of architecture F):
 * SVM RBF C=0.1 gamma=0.01; kNN k=45 distance-weighted (minkowski p=2 = euclidean); random forest 1000 trees,
 * no max depth, no bootstrap, min split 5, min leaf 3, gini (max_features 'auto' = sqrt); softmax; and the
 * bagging SVM it tried in route 2 (10 SVMs on 20% each, C=1, gamma 'scale'). The SVMs use scikit-learn's default
 * probability=False like the study (accuracy from the one-vs-one vote); the bench's --svm-probability turns it on.
 */
export const STUDY_HEADS: readonly HeadConfig[] = [
  { name: "softmax", kind: "softmax", params: {} },
  { name: "svm", kind: "svm", params: { C: 0.1, gamma: 0.01, probability: false } },
  { name: "knn", kind: "knn", params: { k: 45, weights: "distance", metric: "minkowski", p: 2 } },
  {
    name: "random-forest",
    kind: "random-forest",
    params: { nEstimators: 1000, maxDepth: null, bootstrap: false, minSamplesSplit: 5, minSamplesLeaf: 3, criterion: "gini", maxFeatures: "sqrt", seed: 0 },
  },
  { name: "bagging-svm", kind: "bagging-svm", params: { nEstimators: 10, maxSamples: 0.2, C: 1, gamma: "scale", probability: false, seed: 0 } },
];
