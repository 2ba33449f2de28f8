import type { FeatureMatrix } from "../core/matrix.js";

/** Distance used by the kNN head. `minkowski` uses exponent `p` (p = 2 is euclidean, p = 1 manhattan). */
export type KnnMetric = "euclidean" | "manhattan" | "minkowski";

/** The k nearest training rows of each query: row-major N x k indices and distances, nearest first. */
export interface Neighbours {
  readonly k: number;
  readonly index: Int32Array;
  readonly distance: Float64Array;
}

/** Queries processed together per pass over the training rows (keeps one training row hot in cache for all). */
const BLOCK = 8; // the euclidean kernel below is unrolled for exactly 8

/**
 * Exact brute-force k-nearest-neighbour search. Each query keeps a bounded max-heap of its k best candidates
 * (partial selection, O(n log k)). Euclidean distances are ranked by `|t|^2 - 2 q.t` (one dot product per pair,
 * computed for a block of queries while a training row is in cache) and the k winners' distances are then recomputed
 * exactly. Ties are broken by the lower training index, so results do not depend on the blocking.
 */
export function kNearest(train: FeatureMatrix, sqNorms: Float64Array | null, queries: FeatureMatrix, k: number, metric: KnnMetric, p: number): Neighbours {
  const n = train.rows;
  const d = train.cols;
  const kk = Math.min(k, n);
  const index = new Int32Array(queries.rows * kk);
  const distance = new Float64Array(queries.rows * kk);
  const T = train.data;
  const Q = queries.data;
  const effective: "euclidean" | "manhattan" | "power" = metric === "euclidean" || (metric === "minkowski" && p === 2) ? "euclidean" : metric === "manhattan" || p === 1 ? "manhattan" : "power";
  const norms = effective === "euclidean" ? (sqNorms ?? squaredNorms(train)) : null;

  const heapS = new Float64Array(BLOCK * kk);
  const heapI = new Int32Array(BLOCK * kk);
  const size = new Int32Array(BLOCK);
  const scores = new Float64Array(BLOCK);
  const Qt = new Float64Array(d * BLOCK);

  for (let q0 = 0; q0 < queries.rows; q0 += BLOCK) {
    const nb = Math.min(BLOCK, queries.rows - q0);
    size.fill(0);
    // The block's queries transposed (Qt[c * BLOCK + b]), zero-padded when the last block is short.
    Qt.fill(0);
    for (let b = 0; b < nb; b++) for (let c = 0; c < d; c++) Qt[c * BLOCK + b] = Q[(q0 + b) * d + c]!;
    for (let j = 0; j < n; j++) {
      const to = j * d;
      if (effective === "euclidean") {
        // Dot products of training row j with the 8 block queries at once: each T value is loaded once.
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        for (let c = 0, o = 0; c < d; c++, o += BLOCK) {
          const t = T[to + c]!;
          s0 += Qt[o]! * t;
          s1 += Qt[o + 1]! * t;
          s2 += Qt[o + 2]! * t;
          s3 += Qt[o + 3]! * t;
          s4 += Qt[o + 4]! * t;
          s5 += Qt[o + 5]! * t;
          s6 += Qt[o + 6]! * t;
          s7 += Qt[o + 7]! * t;
        }
        const nj = norms![j]!;
        scores[0] = nj - 2 * s0;
        scores[1] = nj - 2 * s1;
        scores[2] = nj - 2 * s2;
        scores[3] = nj - 2 * s3;
        scores[4] = nj - 2 * s4;
        scores[5] = nj - 2 * s5;
        scores[6] = nj - 2 * s6;
        scores[7] = nj - 2 * s7;
      } else {
        for (let b = 0; b < nb; b++) {
          const qo = (q0 + b) * d;
          let s = 0;
          if (effective === "manhattan") for (let c = 0; c < d; c++) s += Math.abs(Q[qo + c]! - T[to + c]!);
          else for (let c = 0; c < d; c++) s += Math.abs(Q[qo + c]! - T[to + c]!) ** p;
          scores[b] = s;
        }
      }
      for (let b = 0; b < nb; b++) {
        const s = scores[b]!;
        const ho = b * kk;
        const sz = size[b]!;
        if (sz < kk) {
          heapPush(heapS, heapI, ho, sz, s, j);
          size[b] = sz + 1;
        } else if (s < heapS[ho]!) {
          heapReplaceTop(heapS, heapI, ho, kk, s, j);
        }
      }
    }
    for (let b = 0; b < nb; b++) {
      const qi = q0 + b;
      const ho = b * kk;
      // Exact distances of the k winners, then sort nearest first (ties: lower index first).
      const cand: { i: number; dist: number }[] = [];
      for (let h = 0; h < kk; h++) {
        const j = heapI[ho + h]!;
        cand.push({ i: j, dist: exactDistance(Q, qi * d, T, j * d, d, effective, p) });
      }
      cand.sort((a, b2) => a.dist - b2.dist || a.i - b2.i);
      for (let h = 0; h < kk; h++) {
        index[qi * kk + h] = cand[h]!.i;
        distance[qi * kk + h] = cand[h]!.dist;
      }
    }
  }
  return { k: kk, index, distance };
}

/** Squared euclidean norm of every row. */
export function squaredNorms(m: FeatureMatrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let c = 0; c < m.cols; c++) {
      const v = m.data[i * m.cols + c]!;
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

function exactDistance(Q: Float32Array, qo: number, T: Float32Array, to: number, d: number, metric: "euclidean" | "manhattan" | "power", p: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) {
    const diff = Math.abs(Q[qo + c]! - T[to + c]!);
    s += metric === "euclidean" ? diff * diff : metric === "manhattan" ? diff : diff ** p;
  }
  return metric === "euclidean" ? Math.sqrt(s) : metric === "manhattan" ? s : s ** (1 / p);
}

// Max-heap keyed by (score, index): the root is the worst kept candidate.
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa > sb || (sa === sb && ia > ib);
}

function heapPush(S: Float64Array, I: Int32Array, o: number, size: number, s: number, idx: number): void {
  let c = size;
  while (c > 0) {
    const parent = (c - 1) >> 1;
    if (!worse(s, idx, S[o + parent]!, I[o + parent]!)) break;
    S[o + c] = S[o + parent]!;
    I[o + c] = I[o + parent]!;
    c = parent;
  }
  S[o + c] = s;
  I[o + c] = idx;
}

function heapReplaceTop(S: Float64Array, I: Int32Array, o: number, size: number, s: number, idx: number): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    const r = l + 1;
    const m = r < size && worse(S[o + r]!, I[o + r]!, S[o + l]!, I[o + l]!) ? r : l;
    if (!worse(S[o + m]!, I[o + m]!, s, idx)) break;
    S[o + c] = S[o + m]!;
    I[o + c] = I[o + m]!;
    c = m;
  }
  S[o + c] = s;
  I[o + c] = idx;
}
