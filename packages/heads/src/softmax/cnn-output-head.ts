import { EMOTIONS } from "@fer/preprocess";
import { decodeArray, encodeArray, type EncodedArray } from "../core/binary.js";
import { HeadError } from "../core/errors.js";
import { BaseHead, checkSavedHead, savedParams, type HeadKind } from "../core/head.js";
import { checkClasses } from "../core/labels.js";
import type { FeatureMatrix } from "../core/matrix.js";
import { is, resolveParams, type ParamSpec } from "../core/params.js";
import { softmaxProba, softmaxRows } from "./linear.js";

/** Parameters of {@link CnnOutputHead}. */
export interface CnnOutputParams {
  /**
   * What the feature vectors are: `"features"` = the input of the CNN's last dense layer (the head applies that
   * layer's kernel and bias, then softmax); `"logits"` = the CNN's linear outputs (softmax applied);
   * `"probabilities"` = the CNN's softmax outputs (renormalised only).
   */
  input: "features" | "logits" | "probabilities";
}

const SPECS: readonly ParamSpec[] = [
  {
    name: "input",
    description: "what X holds: 'features' (input of the CNN's last dense layer, whose weights the head applies), 'logits' (CNN's linear outputs) or 'probabilities' (CNN's softmax outputs)",
    default: "features",
    accepts: "'features' | 'logits' | 'probabilities'",
    check: is.oneOf(["features", "logits", "probabilities"]),
  },
];

interface CnnOutputModel {
  /** K x D (transposed Keras kernel), only for input "features". */
  readonly weights: Float64Array | null;
  readonly bias: Float64Array | null;
}

interface CnnOutputModelJSON {
  readonly weights: EncodedArray | null;
  readonly bias: EncodedArray | null;
}

/** The CNN's last dense layer, as Keras / TF.js stores it. */
export interface DenseLayerWeights {
  /** Kernel of shape [inputDim, numClasses]: rows of numClasses values, or the flat row-major data. */
  readonly kernel: readonly ArrayLike<number>[] | ArrayLike<number>;
  /** numClasses values. */
  readonly bias: ArrayLike<number>;
}

/**
 * Adapter that uses the CNN's own classifier (its last dense layer + softmax, or its outputs) as a head, so it can
 * be compared with and swapped for the other heads. It is not trainable: its weights come from the CNN
 * (`fit` throws `not-trainable`); build it with {@link CnnOutputHead.fromDense} or {@link CnnOutputHead.forOutputs}.
 */
export class CnnOutputHead extends BaseHead<CnnOutputParams, CnnOutputModel> {
  readonly kind: HeadKind = "cnn-output";
  /** Parameter specifications of this head kind. */
  static readonly specs = SPECS;

  constructor(params?: Partial<CnnOutputParams>) {
    super("cnn-output", SPECS, params);
  }

  /**
   * A head applying the CNN's last dense layer (kernel [D, K], bias [K]) and softmax to D-dimensional features
   * (the CNN's penultimate activations). Works for the study's softmax (A-E) and linear (F, G) output layers alike.
   */
  static fromDense(weights: DenseLayerWeights, classes: readonly string[] = EMOTIONS): CnnOutputHead {
    checkClasses(classes);
    const K = classes.length;
    if (weights.bias.length !== K) throw new HeadError("bad-shape", `dense bias has ${weights.bias.length} values, expected ${K} (one per class)`);
    const k = weights.kernel as ArrayLike<unknown>;
    let flat: Float64Array;
    if (k.length > 0 && typeof k[0] === "object") {
      const rows = weights.kernel as readonly ArrayLike<number>[];
      flat = new Float64Array(rows.length * K);
      rows.forEach((r, i) => {
        if (r.length !== K) throw new HeadError("bad-shape", `dense kernel row ${i} has ${r.length} values, expected ${K}`);
        for (let c = 0; c < K; c++) flat[i * K + c] = r[c]!;
      });
    } else {
      flat = Float64Array.from(weights.kernel as ArrayLike<number>);
      if (flat.length === 0 || flat.length % K !== 0) throw new HeadError("bad-shape", `dense kernel has ${flat.length} values, not a multiple of ${K}`);
    }
    const D = flat.length / K;
    const w = new Float64Array(K * D);
    for (let i = 0; i < D; i++) for (let c = 0; c < K; c++) w[c * D + i] = flat[i * K + c]!;
    const bias = Float64Array.from(weights.bias);
    if (!w.every(Number.isFinite) || !bias.every(Number.isFinite)) throw new HeadError("not-finite", "dense weights must be finite");
    const head = new CnnOutputHead({ input: "features" });
    head.commit({ weights: w, bias }, [...classes], D, null);
    return head;
  }

  /** A head whose inputs are the CNN's outputs themselves: its logits (softmax applied) or its probabilities. */
  static forOutputs(input: "logits" | "probabilities", classes: readonly string[] = EMOTIONS): CnnOutputHead {
    checkClasses(classes);
    const head = new CnnOutputHead({ input });
    head.commit({ weights: null, bias: null }, [...classes], classes.length, null);
    return head;
  }

  protected get specs(): readonly ParamSpec[] {
    return SPECS;
  }
  protected get summary(): string {
    return "the CNN's own classifier (last dense layer + softmax) used as a head; weights come from the CNN";
  }
  protected get probabilityMethod(): string {
    return this.params.input === "probabilities" ? "the CNN's softmax outputs, renormalised to sum to 1" : "softmax of the CNN's last-layer scores";
  }
  protected get standardize(): boolean {
    return false;
  }

  protected async fitModel(): Promise<CnnOutputModel> {
    throw new HeadError("not-trainable", "cnn-output head is not trainable: its weights come from the CNN (use CnnOutputHead.fromDense) or train a softmax head instead");
  }

  protected probaModel(model: CnnOutputModel, x: FeatureMatrix, numClasses: number): Float64Array {
    if (model.weights && model.bias) return softmaxProba(x, model.weights, model.bias, numClasses);
    if (this.params.input === "logits") return softmaxRows(x);
    const out = new Float64Array(x.rows * numClasses);
    for (let i = 0; i < x.rows; i++) {
      let sum = 0;
      for (let c = 0; c < numClasses; c++) {
        const v = x.data[i * numClasses + c]!;
        if (v < 0) throw new HeadError("bad-shape", `X[${i}][${c}] = ${v}: probabilities cannot be negative`);
        sum += v;
      }
      if (!(sum > 0)) throw new HeadError("bad-shape", `X[${i}] sums to 0: not a probability vector`);
      for (let c = 0; c < numClasses; c++) out[i * numClasses + c] = x.data[i * numClasses + c]! / sum;
    }
    return out;
  }

  protected modelToJSON(model: CnnOutputModel): CnnOutputModelJSON {
    return { weights: model.weights ? encodeArray(model.weights) : null, bias: model.bias ? encodeArray(model.bias) : null };
  }

  /** Restores a cnn-output head from {@link CnnOutputHead.toJSON}'s output. */
  static fromJSON(json: unknown): CnnOutputHead {
    const saved = checkSavedHead(json, "cnn-output");
    const params = savedParams(saved, (p) => resolveParams<CnnOutputParams>("cnn-output", SPECS, p));
    const m = saved.model as CnnOutputModelJSON;
    if (m === null || typeof m !== "object") throw new HeadError("bad-format", "cnn-output: model missing");
    const K = saved.classes.length;
    let model: CnnOutputModel = { weights: null, bias: null };
    if (params.input === "features") {
      const weights = decodeArray(m.weights as EncodedArray, "float64", "cnn-output weights");
      const bias = decodeArray(m.bias as EncodedArray, "float64", "cnn-output bias");
      if (weights.length !== K * saved.dim || bias.length !== K) throw new HeadError("bad-format", "cnn-output: weights do not match classes x dim");
      model = { weights, bias };
    } else if (saved.dim !== K) throw new HeadError("bad-format", "cnn-output: dim must equal the number of classes for CNN outputs");
    return new CnnOutputHead(params).restore(saved, model);
  }
}
