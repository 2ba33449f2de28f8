import { decodeArray, encodeArray, type EncodedArray } from "../core/binary.js";
import { HeadError } from "../core/errors.js";
import type { FeatureMatrix } from "../core/matrix.js";
import type { Tree } from "./cart.js";

type Counts = Uint8Array | Uint16Array | Uint32Array;

/**
 * A trained forest: all trees' nodes concatenated (tree t starts at `roots[t]`). Internal node i tests
 * `x[feature[i]] <= threshold[i]` (left child i + 1, right child `next[i]`); a leaf has `feature[i] = -1` and
 * `next[i]` = its index into `leafCounts` (K class counts per leaf, in the narrowest integer type that holds them).
 */
export interface ForestModel {
  readonly numClasses: number;
  readonly roots: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  readonly next: Int32Array;
  readonly leafCounts: Counts;
}

/** Concatenates trees (in order) into one {@link ForestModel}. */
export function assembleForest(trees: readonly Tree[], numClasses: number): ForestModel {
  const totalNodes = trees.reduce((s, t) => s + t.feature.length, 0);
  const totalLeaves = trees.reduce((s, t) => s + t.leafCounts.length / numClasses, 0);
  const roots = new Int32Array(trees.length);
  const feature = new Int32Array(totalNodes);
  const threshold = new Float32Array(totalNodes);
  const next = new Int32Array(totalNodes);
  let maxCount = 0;
  for (const t of trees) for (const c of t.leafCounts) if (c > maxCount) maxCount = c;
  const leafCounts = narrowCounts(totalLeaves * numClasses, maxCount);
  let nodeBase = 0;
  let leafBase = 0;
  trees.forEach((t, ti) => {
    roots[ti] = nodeBase;
    for (let i = 0; i < t.feature.length; i++) {
      const f = t.feature[i]!;
      feature[nodeBase + i] = f;
      threshold[nodeBase + i] = t.threshold[i]!;
      next[nodeBase + i] = f < 0 ? leafBase + t.right[i]! : nodeBase + t.right[i]!;
    }
    leafCounts.set(t.leafCounts, leafBase * numClasses);
    nodeBase += t.feature.length;
    leafBase += t.leafCounts.length / numClasses;
  });
  return { numClasses, roots, feature, threshold, next, leafCounts };
}

function narrowCounts(length: number, max: number): Counts {
  return max <= 0xff ? new Uint8Array(length) : max <= 0xffff ? new Uint16Array(length) : new Uint32Array(length);
}

/**
 * Class probabilities: the mean over trees of each tree's leaf class distribution (leaf counts / leaf size),
 * as scikit-learn's RandomForestClassifier.predict_proba (soft voting).
 */
export function forestProba(model: ForestModel, x: FeatureMatrix): Float64Array {
  const { numClasses: K, roots, feature, threshold, next, leafCounts } = model;
  const T = roots.length;
  const out = new Float64Array(x.rows * K);
  const d = x.cols;
  const X = x.data;
  for (let i = 0; i < x.rows; i++) {
    const xo = i * d;
    const oo = i * K;
    for (let t = 0; t < T; t++) {
      let node = roots[t]!;
      let f = feature[node]!;
      while (f >= 0) {
        node = X[xo + f]! <= threshold[node]! ? node + 1 : next[node]!;
        f = feature[node]!;
      }
      const lo = next[node]! * K;
      let total = 0;
      for (let c = 0; c < K; c++) total += leafCounts[lo + c]!;
      for (let c = 0; c < K; c++) out[oo + c]! += leafCounts[lo + c]! / total;
    }
    for (let c = 0; c < K; c++) out[oo + c]! /= T;
  }
  return out;
}

/** Each tree's vote for each row: the majority class of the leaf it reaches (lowest class index on ties), N x T. */
export function forestTreeVotes(model: ForestModel, x: FeatureMatrix): Int32Array {
  const { numClasses: K, roots, feature, threshold, next, leafCounts } = model;
  const T = roots.length;
  const out = new Int32Array(x.rows * T);
  for (let i = 0; i < x.rows; i++) {
    for (let t = 0; t < T; t++) {
      let node = roots[t]!;
      while (feature[node]! >= 0) node = x.data[i * x.cols + feature[node]!]! <= threshold[node]! ? node + 1 : next[node]!;
      const lo = next[node]! * K;
      let best = 0;
      for (let c = 1; c < K; c++) if (leafCounts[lo + c]! > leafCounts[lo + best]!) best = c;
      out[i * T + t] = best;
    }
  }
  return out;
}

/** Number of nodes and leaves of a forest. */
export function forestSize(model: ForestModel): { trees: number; nodes: number; leaves: number } {
  return { trees: model.roots.length, nodes: model.feature.length, leaves: model.leafCounts.length / model.numClasses };
}

/** Compact saved form: per tree node counts; internal nodes' feature, threshold and right-child offset; leaf counts. */
export interface ForestModelJSON {
  readonly nodesPerTree: EncodedArray;
  /** Feature per node; the type's max value (255 or 65535) marks a leaf. */
  readonly feature: EncodedArray;
  /** Thresholds of internal nodes only, in node order. */
  readonly threshold: EncodedArray;
  /** Right child minus own index (within the tree), internal nodes only. */
  readonly rightOffset: EncodedArray;
  readonly leafCounts: EncodedArray;
}

/** Encodes a forest in the compact {@link ForestModelJSON} form (feature dimension `dim`). */
export function forestToJSON(model: ForestModel, dim: number): ForestModelJSON {
  const { roots, feature, threshold, next, leafCounts } = model;
  const total = feature.length;
  const T = roots.length;
  const nodesPerTree = new Uint32Array(T);
  for (let t = 0; t < T; t++) nodesPerTree[t] = (t + 1 < T ? roots[t + 1]! : total) - roots[t]!;
  let internal = 0;
  let maxOffset = 0;
  for (let i = 0; i < total; i++) {
    if (feature[i]! >= 0) {
      internal++;
      maxOffset = Math.max(maxOffset, next[i]! - i);
    }
  }
  const leafMark = dim < 0xff ? 0xff : 0xffff;
  const feat = dim < 0xff ? new Uint8Array(total) : new Uint16Array(total);
  const thr = new Float32Array(internal);
  const off = maxOffset <= 0xffff ? new Uint16Array(internal) : new Uint32Array(internal);
  let k = 0;
  for (let i = 0; i < total; i++) {
    const f = feature[i]!;
    if (f < 0) feat[i] = leafMark;
    else {
      feat[i] = f;
      thr[k] = threshold[i]!;
      off[k] = next[i]! - i;
      k++;
    }
  }
  return {
    nodesPerTree: encodeArray(nodesPerTree),
    feature: encodeArray(feat),
    threshold: encodeArray(thr),
    rightOffset: encodeArray(off),
    leafCounts: encodeArray(leafCounts),
  };
}

/**
 * Decodes and fully validates a saved forest (every child index inside its tree and after its parent, every
 * feature < dim, leaf counts consistent), so a corrupt file fails with `bad-format` instead of misbehaving.
 */
export function forestFromJSON(json: ForestModelJSON, dim: number, numClasses: number): ForestModel {
  if (json === null || typeof json !== "object") throw new HeadError("bad-format", "random-forest: model missing");
  const nodesPerTree = decodeArray(json.nodesPerTree, "uint32", "random-forest nodesPerTree");
  const featDtype = dim < 0xff ? "uint8" : "uint16";
  const feat = decodeArray(json.feature, featDtype, "random-forest feature");
  const thr = decodeArray(json.threshold, "float32", "random-forest threshold");
  const offDtype = json.rightOffset?.dtype === "uint32" ? "uint32" : "uint16";
  const off = decodeArray(json.rightOffset, offDtype, "random-forest rightOffset");
  const countsDtype = json.leafCounts?.dtype;
  if (countsDtype !== "uint8" && countsDtype !== "uint16" && countsDtype !== "uint32") throw new HeadError("bad-format", "random-forest: leafCounts dtype");
  const leafCounts = decodeArray(json.leafCounts, countsDtype, "random-forest leafCounts");
  const leafMark = dim < 0xff ? 0xff : 0xffff;
  const T = nodesPerTree.length;
  const total = feat.length;
  if (T === 0 || nodesPerTree.reduce((a, b) => a + b, 0) !== total) throw new HeadError("bad-format", "random-forest: node counts do not add up");
  const roots = new Int32Array(T);
  const feature = new Int32Array(total);
  const threshold = new Float32Array(total);
  const next = new Int32Array(total);
  let base = 0;
  let k = 0;
  let leaf = 0;
  const bad = (why: string): never => {
    throw new HeadError("bad-format", `random-forest: corrupt tree structure (${why})`);
  };
  for (let t = 0; t < T; t++) {
    roots[t] = base;
    const end = base + nodesPerTree[t]!;
    for (let i = base; i < end; i++) {
      const f = feat[i]!;
      if (f === leafMark) {
        feature[i] = -1;
        next[i] = leaf++;
      } else {
        if (f >= dim) bad(`feature ${f} >= dim ${dim}`);
        if (k >= thr.length || k >= off.length) bad("too few thresholds");
        const r = i + off[k]!;
        if (off[k]! < 2 || r >= end || i + 1 >= end) bad("child outside its tree");
        feature[i] = f;
        threshold[i] = thr[k]!;
        next[i] = r;
        k++;
      }
    }
    base = end;
  }
  if (k !== thr.length || k !== off.length) bad("threshold count");
  if (leafCounts.length !== leaf * numClasses) bad("leaf count");
  for (let l = 0; l < leaf; l++) {
    let s = 0;
    for (let c = 0; c < numClasses; c++) s += leafCounts[l * numClasses + c]!;
    if (s === 0) bad("empty leaf");
  }
  return { numClasses, roots, feature, threshold, next, leafCounts };
}
