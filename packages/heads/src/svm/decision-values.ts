import { HeadError } from "../core/errors.js";
import type { FeatureMatrix } from "../core/matrix.js";

/** A libsvm C-SVC model read from its text format, for computing pairwise decision values in JavaScript. */
interface ParsedSvm {
  readonly rbf: boolean;
  readonly gamma: number;
  readonly nrClass: number;
  /** One per pair (i, j), i < j, in libsvm's order. */
  readonly rho: Float64Array;
  /** First support vector of each class (libsvm's label order), and the total at the end. */
  readonly start: Int32Array;
  /** total x (nrClass - 1) dual coefficients. */
  readonly coef: Float64Array;
  /** total x dim dense support vectors. */
  readonly vectors: Float64Array;
  readonly norms: Float64Array;
  readonly dim: number;
}

const parsed = new WeakMap<object, ParsedSvm>();

const bad = (why: string): never => {
  throw new HeadError("bad-format", `svm: cannot read the model's decision function (${why})`);
};

function parse(text: string, dim: number): ParsedSvm {
  const svAt = text.indexOf("\nSV\n");
  if (svAt < 0) bad("no SV section");
  const header = text.slice(0, svAt);
  const field = (name: string): string[] => {
    const m = new RegExp(`(?:^|\\n)${name} ([^\\n]*)`).exec(header);
    return m ? m[1]!.trim().split(/\s+/) : bad(`no ${name} line`);
  };
  const kernel = field("kernel_type")[0];
  if (kernel !== "rbf" && kernel !== "linear") bad(`kernel ${String(kernel)}`);
  const nrClass = Number(field("nr_class")[0]);
  const total = Number(field("total_sv")[0]);
  const gamma = kernel === "rbf" ? Number(field("gamma")[0]) : 0;
  const rho = Float64Array.from(field("rho"), Number);
  const nSv = field("nr_sv").map(Number);
  if (rho.length !== (nrClass * (nrClass - 1)) / 2 || nSv.length !== nrClass) bad("rho / nr_sv counts");
  const start = new Int32Array(nrClass + 1);
  for (let c = 0; c < nrClass; c++) start[c + 1] = start[c]! + nSv[c]!;
  if (start[nrClass] !== total) bad("nr_sv does not add up to total_sv");
  const per = nrClass - 1;
  const coef = new Float64Array(total * per);
  const vectors = new Float64Array(total * dim);
  let row = 0;
  for (const line of text.slice(svAt + 4).split("\n")) {
    if (line.trim().length === 0) continue;
    if (row >= total) bad("too many support vectors");
    const tokens = line.trim().split(/\s+/);
    for (let c = 0; c < per; c++) coef[row * per + c] = Number(tokens[c]);
    for (let t = per; t < tokens.length; t++) {
      const colon = tokens[t]!.indexOf(":");
      const index = Number(tokens[t]!.slice(0, colon));
      if (!(index >= 1 && index <= dim)) bad(`feature index ${index} outside 1..${dim}`);
      vectors[row * dim + index - 1] = Number(tokens[t]!.slice(colon + 1));
    }
    row++;
  }
  if (row !== total) bad(`expected ${total} support vectors, found ${row}`);
  const norms = new Float64Array(total);
  for (let s = 0; s < total; s++) {
    let n = 0;
    for (let j = 0; j < dim; j++) n += vectors[s * dim + j]! ** 2;
    norms[s] = n;
  }
  return { rbf: kernel === "rbf", gamma, nrClass, rho, start, coef, vectors, norms, dim };
}

/** Number of pairwise decision values of a libsvm model text (nr_class (nr_class - 1) / 2). */
export function decisionValueCount(text: string): number {
  const n = Number(/\nnr_class (\d+)/.exec(text)?.[1]);
  return n >= 2 ? (n * (n - 1)) / 2 : 0;
}

/**
 * libsvm's pairwise decision values (`svm_predict_values`) of every row of x, computed in JavaScript from the model
 * text (libsvm-js does not expose them): for each pair of classes i < j in libsvm's label order,
 * `sum_s coef_s K(sv_s, x) - rho`; positive votes for i. Row-major N x (nr_class (nr_class - 1) / 2).
 * `key` caches the parsed model (use the model's handle).
 */
export function svmDecisionValues(key: object, text: string, x: FeatureMatrix): Float64Array {
  let m = parsed.get(key);
  if (!m) {
    m = parse(text, x.cols);
    parsed.set(key, m);
  }
  const { nrClass, start, coef, vectors, norms, dim, rho, rbf, gamma } = m;
  const total = start[nrClass]!;
  const per = nrClass - 1;
  const pairs = rho.length;
  const out = new Float64Array(x.rows * pairs);
  const k = new Float64Array(total);
  for (let i = 0; i < x.rows; i++) {
    const xo = i * dim;
    let xx = 0;
    for (let j = 0; j < dim; j++) xx += x.data[xo + j]! ** 2;
    for (let s = 0; s < total; s++) {
      let dot = 0;
      const so = s * dim;
      for (let j = 0; j < dim; j++) dot += vectors[so + j]! * x.data[xo + j]!;
      k[s] = rbf ? Math.exp(-gamma * Math.max(0, xx + norms[s]! - 2 * dot)) : dot;
    }
    let p = 0;
    for (let a = 0; a < nrClass; a++) {
      for (let b = a + 1; b < nrClass; b++) {
        let sum = 0;
        for (let s = start[a]!; s < start[a + 1]!; s++) sum += coef[s * per + b - 1]! * k[s]!;
        for (let s = start[b]!; s < start[b + 1]!; s++) sum += coef[s * per + a]! * k[s]!;
        out[i * pairs + p] = sum - rho[p]!;
        p++;
      }
    }
  }
  return out;
}
