import { Rng } from "../core/random.js";
import type { FeatureThresholds } from "./binning.js";

/** Split quality measure. */
export type Criterion = "gini" | "entropy";

/** Settings of one CART tree (already resolved to numbers). */
export interface TreeSettings {
  /** Maximum depth; Infinity for none. */
  readonly maxDepth: number;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  /** Non-constant features examined per split (scikit-learn keeps drawing past this until one is non-constant). */
  readonly maxFeatures: number;
  readonly criterion: Criterion;
  /** Draw the tree's training sample with replacement. */
  readonly bootstrap: boolean;
  /** Size of the bootstrap sample. */
  readonly sampleSize: number;
}

/** The training data every tree reads: binned features (column-major), labels, thresholds. */
export interface TreeData {
  /** `binned[f * rows + i]` = bin of sample i, feature f. */
  readonly binned: Uint8Array;
  readonly labels: Uint8Array;
  readonly rows: number;
  readonly cols: number;
  readonly numClasses: number;
  readonly thresholds: FeatureThresholds;
}

/**
 * One trained tree in preorder (a node's left child is the next node). For an internal node `feature[i] >= 0`,
 * samples with `x[feature] <= threshold[i]` go left (to i + 1) and the others to `right[i]`. A leaf has
 * `feature[i] = -1` and `right[i]` = its leaf number; its class counts are `leafCounts[leaf * K .. + K)`.
 */
export interface Tree {
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  readonly right: Int32Array;
  readonly leafCounts: Uint32Array;
}

/**
 * Grows one CART classification tree (scikit-learn's semantics: best split over a random subset of
 * `maxFeatures` features at every node, min samples to split / per leaf, optional max depth and bootstrap)
 * on pre-binned features: split search builds a class histogram over the bins present in the node and scans it,
 * O(node size + bins present) per feature, so a node costs O(n * maxFeatures) instead of the O(n^2) of a naive
 * search. Deterministic given `seed`.
 */
export function growTree(data: TreeData, s: TreeSettings, seed: number): Tree {
  const { binned, labels, rows, cols, numClasses: K, thresholds } = data;
  const rng = new Rng(seed);

  // Training sample of this tree.
  const m = s.bootstrap ? s.sampleSize : rows;
  const idx = new Int32Array(m);
  if (s.bootstrap) for (let i = 0; i < m; i++) idx[i] = rng.int(rows);
  else for (let i = 0; i < m; i++) idx[i] = i;

  // Growable node storage.
  let cap = 1024;
  let feature = new Int32Array(cap);
  let threshold = new Float32Array(cap);
  let right = new Int32Array(cap);
  let leafCap = 512;
  let leafCounts = new Uint32Array(leafCap * K);
  let nodes = 0;
  let leaves = 0;

  const features = new Int32Array(cols);
  for (let f = 0; f < cols; f++) features[f] = f;
  const hist = new Int32Array(256 * K);
  const left = new Float64Array(K);
  const total = new Float64Array(K);
  const binCount = new Int32Array(256);
  const present = new Uint8Array(256);
  const sweep = new Uint8Array(256);

  // DFS stack: start, end, depth, parent (-1 for the root or a left child).
  const stack: number[] = [0, m, 0, -1];

  while (stack.length > 0) {
    const parent = stack.pop()!;
    const depth = stack.pop()!;
    const end = stack.pop()!;
    const start = stack.pop()!;
    const n = end - start;

    if (nodes === cap) {
      cap *= 2;
      feature = grow(feature, cap);
      threshold = grow(threshold, cap);
      right = grow(right, cap);
    }
    const id = nodes++;
    if (parent >= 0) right[parent] = id;

    total.fill(0);
    for (let i = start; i < end; i++) total[labels[idx[i]!]!]! += 1;
    let classesPresent = 0;
    for (let c = 0; c < K; c++) if (total[c]! > 0) classesPresent++;

    let bestFeature = -1;
    let bestBin = -1;
    if (n >= s.minSamplesSplit && n >= 2 * s.minSamplesLeaf && depth < s.maxDepth && classesPresent > 1) {
      let bestScore = -Infinity;
      let visited = 0;
      for (let fi = 0; fi < cols && visited < s.maxFeatures; fi++) {
        const j = fi + rng.int(cols - fi);
        const f = features[j]!;
        features[j] = features[fi]!;
        features[fi] = f;
        const fo = f * rows;
        // Class histogram over the bins present in this node, O(n + bins present).
        let m = 0;
        let lo = 255;
        let hi = 0;
        for (let i = start; i < end; i++) {
          const r = idx[i]!;
          const b = binned[fo + r]!;
          hist[b * K + labels[r]!]! += 1;
          const seen = binCount[b]!;
          binCount[b] = seen + 1;
          if (seen === 0) {
            present[m++] = b;
            if (b < lo) lo = b;
            if (b > hi) hi = b;
          }
        }
        let bin = -1;
        let score = -Infinity;
        if (m > 1) {
          // Visit present bins in increasing order: sort the short list, or sweep the range when that is cheaper.
          let order: Uint8Array;
          let count: number;
          if (m * 6 < hi - lo) {
            order = present;
            count = m;
            for (let a = 1; a < m; a++) {
              const v = present[a]!;
              let p = a;
              while (p > 0 && present[p - 1]! > v) {
                present[p] = present[p - 1]!;
                p--;
              }
              present[p] = v;
            }
          } else {
            order = sweep;
            count = 0;
            for (let b = lo; b <= hi; b++) if (binCount[b]! > 0) sweep[count++] = b;
          }
          left.fill(0);
          let nl = 0;
          for (let a = 0; a + 1 < count; a++) {
            const b = order[a]!;
            for (let c = 0; c < K; c++) left[c]! += hist[b * K + c]!;
            nl += binCount[b]!;
            // Candidate: left = bins <= b, right = the following present bins.
            if (n - nl < s.minSamplesLeaf) break;
            if (nl < s.minSamplesLeaf) continue;
            const sc = splitScore(left, total, nl, n, K, s.criterion);
            if (sc > score) {
              score = sc;
              // Any threshold between the two bins splits the node alike; take the middle one (like CART's midpoint).
              bin = (b + order[a + 1]! - 1) >> 1;
            }
          }
        }
        for (let a = 0; a < m; a++) {
          const b = present[a]!;
          binCount[b] = 0;
          for (let c = b * K, e = c + K; c < e; c++) hist[c] = 0;
        }
        if (m <= 1) continue; // constant in this node: does not count towards maxFeatures
        visited++;
        if (bin >= 0 && score > bestScore) {
          bestScore = score;
          bestFeature = f;
          bestBin = bin;
        }
      }
    }

    if (bestFeature < 0) {
      if (leaves === leafCap) {
        leafCap *= 2;
        leafCounts = grow(leafCounts, leafCap * K);
      }
      feature[id] = -1;
      right[id] = leaves;
      for (let c = 0; c < K; c++) leafCounts[leaves * K + c] = total[c]!;
      leaves++;
      continue;
    }

    // Partition idx[start, end) into bin <= bestBin (left) and the rest.
    const col = binned.subarray(bestFeature * rows, (bestFeature + 1) * rows);
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if (col[idx[i]!]! <= bestBin) i++;
      else {
        const t = idx[i]!;
        idx[i] = idx[j]!;
        idx[j] = t;
        j--;
      }
    }
    feature[id] = bestFeature;
    threshold[id] = thresholds[bestFeature]![bestBin]!;
    // Right child is pushed first so the left subtree is built (and numbered) first: preorder.
    stack.push(i, end, depth + 1, id);
    stack.push(start, i, depth + 1, -1);
  }

  return {
    feature: feature.slice(0, nodes),
    threshold: threshold.slice(0, nodes),
    right: right.slice(0, nodes),
    leafCounts: leafCounts.slice(0, leaves * K),
  };
}

/**
 * Quality of a split, larger is better: for gini, sum_c L_c^2/nL + sum_c R_c^2/nR (equivalent to the weighted
 * Gini impurity decrease); for entropy, sum_c L_c log(L_c/nL) + R_c log(R_c/nR) (minus the weighted child entropy).
 */
function splitScore(left: Float64Array, total: Float64Array, nl: number, n: number, K: number, criterion: Criterion): number {
  const nr = n - nl;
  let sl = 0;
  let sr = 0;
  if (criterion === "gini") {
    for (let c = 0; c < K; c++) {
      const l = left[c]!;
      const r = total[c]! - l;
      sl += l * l;
      sr += r * r;
    }
    return sl / nl + sr / nr;
  }
  for (let c = 0; c < K; c++) {
    const l = left[c]!;
    const r = total[c]! - l;
    if (l > 0) sl += l * Math.log(l / nl);
    if (r > 0) sr += r * Math.log(r / nr);
  }
  return sl + sr;
}

function grow<T extends Int32Array | Float32Array | Uint32Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
