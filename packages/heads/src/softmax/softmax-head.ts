import { decodeArray, encodeArray, type EncodedArray } from "../core/binary.js";
import { HeadError } from "../core/errors.js";
import { BaseHead, checkSavedHead, savedParams, type HeadKind } from "../core/head.js";
import type { FeatureMatrix } from "../core/matrix.js";
import { is, resolveParams, type ParamSpec } from "../core/params.js";
import { minimizeLbfgs } from "./lbfgs.js";
import { softmaxProba } from "./linear.js";

/** Parameters of {@link SoftmaxHead}. */
export interface SoftmaxParams {
  /**
   * L2 penalty on the weights, added as `l2/2 * |W|^2` to the mean cross-entropy
   * (scikit-learn's LogisticRegression C corresponds to l2 = 1 / (C * n)).
   */
  l2: number;
  maxIter: number;
  /** Stop when the largest gradient component falls below this. */
  tolerance: number;
  standardize: boolean;
}

const SPECS: readonly ParamSpec[] = [
  { name: "l2", description: "L2 penalty on the weights (objective: mean cross-entropy + l2/2 |W|^2; scikit-learn's C = 1/(l2 n))", default: 1e-4, accepts: "number >= 0", check: is.num(0) },
  { name: "maxIter", description: "maximum L-BFGS iterations", default: 500, accepts: "integer >= 1", check: is.int(1) },
  { name: "tolerance", description: "stop when the largest gradient component is below this", default: 1e-5, accepts: "number > 0", check: is.num(0, Infinity, true) },
  { name: "standardize", description: "standardise features before the linear model (fitted with the head, saved with it)", default: true, accepts: "boolean", check: is.bool() },
];

interface SoftmaxModel {
  /** K x D, row-major. */
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly iterations: number;
}

interface SoftmaxModelJSON {
  readonly weights: EncodedArray;
  readonly bias: EncodedArray;
  readonly iterations: number;
}

/**
 * Multinomial logistic regression (a softmax layer trained on the features): full-batch L-BFGS on the
 * L2-regularised mean cross-entropy, deterministic. Small (K x (D+1) numbers) and fast.
 */
export class SoftmaxHead extends BaseHead<SoftmaxParams, SoftmaxModel> {
  readonly kind: HeadKind = "softmax";
  /** Parameter specifications of this head kind. */
  static readonly specs = SPECS;

  constructor(params?: Partial<SoftmaxParams>) {
    super("softmax", SPECS, params);
  }

  protected get specs(): readonly ParamSpec[] {
    return SPECS;
  }
  protected get summary(): string {
    return "multinomial logistic regression (softmax of a linear layer) trained with L-BFGS";
  }
  protected get probabilityMethod(): string {
    return "softmax of the linear scores W x + b";
  }
  protected get standardize(): boolean {
    return this.params.standardize;
  }

  /** L-BFGS iterations the last fit used. */
  get iterations(): number {
    return this.requireModel().iterations;
  }

  protected async fitModel(x: FeatureMatrix, y: Uint8Array, numClasses: number): Promise<SoftmaxModel> {
    const { rows: n, cols: d, data } = x;
    const K = numClasses;
    const { l2 } = this.params;
    const nw = K * d;
    const z = new Float64Array(K);
    const objective = (theta: Float64Array, grad: Float64Array): number => {
      grad.fill(0);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const xo = i * d;
        let max = -Infinity;
        for (let c = 0; c < K; c++) {
          let s = theta[nw + c]!;
          const wo = c * d;
          for (let j = 0; j < d; j++) s += theta[wo + j]! * data[xo + j]!;
          z[c] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let c = 0; c < K; c++) {
          const e = Math.exp(z[c]! - max);
          z[c] = e;
          sum += e;
        }
        const yi = y[i]!;
        loss += Math.log(sum) - Math.log(z[yi]!);
        for (let c = 0; c < K; c++) {
          const r = z[c]! / sum - (c === yi ? 1 : 0);
          if (r === 0) continue;
          const wo = c * d;
          for (let j = 0; j < d; j++) grad[wo + j]! += r * data[xo + j]!;
          grad[nw + c]! += r;
        }
      }
      let reg = 0;
      for (let t = 0; t < theta.length; t++) grad[t]! /= n;
      for (let t = 0; t < nw; t++) {
        reg += theta[t]! * theta[t]!;
        grad[t]! += l2 * theta[t]!;
      }
      return loss / n + 0.5 * l2 * reg;
    };
    const result = minimizeLbfgs(objective, new Float64Array(nw + K), { maxIter: this.params.maxIter, gradTol: this.params.tolerance });
    return { weights: result.x.slice(0, nw), bias: result.x.slice(nw), iterations: result.iterations };
  }

  protected probaModel(model: SoftmaxModel, x: FeatureMatrix, numClasses: number): Float64Array {
    return softmaxProba(x, model.weights, model.bias, numClasses);
  }

  protected modelToJSON(model: SoftmaxModel): SoftmaxModelJSON {
    return { weights: encodeArray(model.weights), bias: encodeArray(model.bias), iterations: model.iterations };
  }

  /** Restores a softmax head from {@link SoftmaxHead.toJSON}'s output. */
  static fromJSON(json: unknown): SoftmaxHead {
    const saved = checkSavedHead(json, "softmax");
    const params = savedParams(saved, (p) => resolveParams<SoftmaxParams>("softmax", SPECS, p));
    const m = saved.model as SoftmaxModelJSON;
    if (m === null || typeof m !== "object") throw new HeadError("bad-format", "softmax: model missing");
    const K = saved.classes.length;
    const weights = decodeArray(m.weights, "float64", "softmax weights");
    const bias = decodeArray(m.bias, "float64", "softmax bias");
    if (weights.length !== K * saved.dim || bias.length !== K) throw new HeadError("bad-format", "softmax: weights do not match classes x dim");
    if (!weights.every(Number.isFinite) || !bias.every(Number.isFinite)) throw new HeadError("bad-format", "softmax: non-finite weights");
    return new SoftmaxHead(params).restore(saved, { weights, bias, iterations: Number(m.iterations) || 0 });
  }
}
