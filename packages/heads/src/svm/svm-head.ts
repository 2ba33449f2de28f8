import { HeadError } from "../core/errors.js";
import { BaseHead, checkSavedHead, savedParams, type HeadKind } from "../core/head.js";
import type { FeatureMatrix } from "../core/matrix.js";
import { is, resolveParams, type ParamSpec } from "../core/params.js";
import { Pca, type PcaJSON } from "../core/pca.js";
import { loadAsSaved, savedLibsvm, type CompactLibsvm, type VectorEncoding } from "./compact-libsvm.js";
import { resolveGamma, type GammaSetting } from "./gamma.js";
import { decisionValueCount, svmDecisionValues } from "./decision-values.js";
import { predictLibsvm, probaLibsvm, restoreLibsvm, trainLibsvmText, type LibsvmSettings, type TrainedSvm } from "./libsvm-model.js";

export { checkLibsvmText } from "./compact-libsvm.js";

/** Parameters of {@link SvmHead} (names follow scikit-learn's SVC). */
export interface SvmParams {
  kernel: "rbf" | "linear";
  C: number;
  /** RBF width: a number, 'scale' = 1/(D Var(X)) or 'auto' = 1/D (scikit-learn's meanings). */
  gamma: GammaSetting;
  /** Train libsvm's probability model (Platt scaling by internal 5-fold CV: about 5x the fit time). */
  probability: boolean;
  tolerance: number;
  /** libsvm kernel cache in MB. */
  cacheSize: number;
  shrinking: boolean;
  standardize: boolean;
}

/** The SVM parameter specifications (shared with the bagging ensemble). */
export const SVM_SPECS: readonly ParamSpec[] = [
  { name: "kernel", description: "kernel function", default: "rbf", accepts: "'rbf' | 'linear'", check: is.oneOf(["rbf", "linear"]) },
  { name: "C", description: "inverse regularisation strength (penalty of margin violations)", default: 1, accepts: "number > 0", check: is.num(0, Infinity, true) },
  {
    name: "gamma",
    description: "RBF kernel width: a number, 'scale' = 1/(D * Var(X)) or 'auto' = 1/D, as scikit-learn (X as the SVM sees it, after standardisation when on)",
    default: "scale",
    accepts: "number > 0 | 'scale' | 'auto'",
    check: is.anyOf(is.num(0, Infinity, true), is.oneOf(["scale", "auto"])),
  },
  {
    name: "probability",
    description: "fit libsvm's probability model (Platt scaling via internal 5-fold cross-validation; ~5x fit time). Without it predictProba is one-hot",
    default: true,
    accepts: "boolean",
    check: is.bool(),
  },
  { name: "tolerance", description: "stopping tolerance of the solver", default: 1e-3, accepts: "number > 0", check: is.num(0, Infinity, true) },
  { name: "cacheSize", description: "kernel cache size in MB (inside the WebAssembly heap)", default: 200, accepts: "number >= 1", check: is.num(1) },
  { name: "shrinking", description: "use libsvm's shrinking heuristics", default: true, accepts: "boolean", check: is.bool() },
  { name: "standardize", description: "standardise features before the SVM (fitted with the head, saved with it)", default: true, accepts: "boolean", check: is.bool() },
];

/** Settings for libsvm from SVM params and the training data (resolves gamma). */
export function libsvmSettings(p: SvmParams, x: FeatureMatrix): LibsvmSettings {
  return {
    kernel: p.kernel,
    C: p.C,
    gamma: resolveGamma(p.gamma, x),
    probability: p.probability,
    tolerance: p.tolerance,
    cacheSize: p.cacheSize,
    shrinking: p.shrinking,
  };
}

/** Parameters of {@link SvmHead}: the SVM's, and an optional projection in front of it. */
export interface SvmHeadParams extends SvmParams {
  /** Principal components kept before the SVM (0 = none: the SVM sees every feature). */
  components: number;
  /** Bits per stored support-vector value: 32 (float32), 16 or 8 (integer codes per feature). */
  vectorBits: 32 | 16 | 8;
}

const SVM_HEAD_SPECS: readonly ParamSpec[] = [
  ...SVM_SPECS,
  {
    name: "components",
    description:
      "project the (standardised) features onto this many principal components before the SVM, fitted with the head (0 = no projection). " +
      "Shrinks the saved model and speeds up prediction by dim/components; gamma 'scale' is computed on the projection",
    default: 0,
    accepts: "integer >= 0 (at most the feature dimension)",
    check: is.int(0),
  },
  {
    name: "vectorBits",
    description:
      "bits per stored support-vector value: 32 (float32), or 16 / 8 (integer codes on a grid between each feature's min and max: " +
      "a saved model 2x / 4x smaller). The head predicts with the decoded vectors from the start, so saving and loading changes nothing",
    default: 32,
    accepts: "32 | 16 | 8",
    check: is.oneOf([32, 16, 8]),
  },
];

const VECTOR_ENCODINGS = { 32: "float32", 16: "uint16", 8: "uint8" } as const satisfies Record<number, VectorEncoding>;

interface SvmModel {
  readonly trained: TrainedSvm;
  readonly gamma: number;
  readonly pca: Pca | null;
  readonly compact: CompactLibsvm;
}

interface SvmModelJSON {
  readonly gamma: number;
  readonly supportVectors: number;
  /** The projection applied before the SVM, or null. */
  readonly pca?: PcaJSON | null;
  /** The libsvm model with binary support vectors (written since the projection was added). */
  readonly compact?: CompactLibsvm;
  /** libsvm's own text model format (heads saved before `compact`; still read). */
  readonly libsvm?: string;
}

/**
 * Support vector machine head (C-SVC, RBF kernel) on `libsvm-js` (libsvm 3.22 compiled to WebAssembly).
 * The model lives in WebAssembly memory, which the garbage collector does not free: call {@link SvmHead.dispose}
 * when done (refitting frees the previous model). Loading a saved head is async (`headFromJSON` / `SvmHead.fromJSON`).
 */
export class SvmHead extends BaseHead<SvmHeadParams, SvmModel> {
  readonly kind: HeadKind = "svm";
  /** Parameter specifications of this head kind. */
  static readonly specs = SVM_HEAD_SPECS;

  constructor(params?: Partial<SvmHeadParams>) {
    super("svm", SVM_HEAD_SPECS, params);
  }

  protected get specs(): readonly ParamSpec[] {
    return SVM_HEAD_SPECS;
  }
  protected get summary(): string {
    const projection = this.params.components > 0 ? ` on the first ${this.params.components} principal components` : "";
    const codes = this.params.vectorBits < 32 ? `, support vectors kept as ${this.params.vectorBits}-bit codes` : "";
    return `support vector machine (libsvm C-SVC via libsvm-js WebAssembly)${projection}, one-vs-one for several classes${codes}`;
  }
  protected get probabilityMethod(): string {
    return this.params.probability
      ? "libsvm's estimates: Platt sigmoids on the pairwise decision values (fitted by internal 5-fold cross-validation), combined by pairwise coupling. predict() is libsvm's one-vs-one vote (as scikit-learn), which can differ from argmax(predictProba) on near ties"
      : "one-hot of the predicted class (probability = false: no probability model was trained)";
  }
  protected get standardize(): boolean {
    return this.params.standardize;
  }

  /** Number of support vectors of the fitted model. */
  get supportVectors(): number {
    return this.requireModel().trained.supportVectors;
  }

  /** The gamma actually used (after resolving 'scale' / 'auto'). */
  get gammaValue(): number {
    return this.requireModel().gamma;
  }

  /** Share of the training features' variance kept by the projection (1 without one). */
  get explainedVariance(): number {
    return this.requireModel().pca?.explainedVariance ?? 1;
  }

  /** The fitted model in libsvm's text format (features numbered from 1; after the projection when there is one). */
  get libsvmText(): string {
    return this.requireModel().trained.serialized;
  }

  protected async fitModel(x: FeatureMatrix, y: Uint8Array): Promise<SvmModel> {
    const k = this.params.components;
    if (k > x.cols) throw new HeadError("bad-parameter", `svm: components = ${k} exceeds the feature dimension ${x.cols}`);
    const pca = k > 0 ? Pca.fit(x, k) : null;
    const xp = pca ? pca.transform(x) : x;
    const settings = libsvmSettings(this.params, xp);
    const { serialized } = await trainLibsvmText(xp, y, settings);
    const { trained, compact } = await loadAsSaved(serialized, xp.cols, VECTOR_ENCODINGS[this.params.vectorBits]);
    return { trained, gamma: settings.gamma, pca, compact };
  }

  protected override predictModel(model: SvmModel, x: FeatureMatrix): Int32Array {
    return predictLibsvm(model.trained, model.pca ? model.pca.transform(x) : x);
  }

  protected probaModel(model: SvmModel, x: FeatureMatrix, numClasses: number): Float64Array {
    const xp = model.pca ? model.pca.transform(x) : x;
    if (this.params.probability) return probaLibsvm(model.trained, xp, numClasses);
    const pred = predictLibsvm(model.trained, xp);
    const out = new Float64Array(x.rows * numClasses);
    pred.forEach((c, i) => (out[i * numClasses + c] = 1));
    return out;
  }

  protected override decisionCountModel(model: SvmModel): number {
    return decisionValueCount(model.trained.serialized);
  }

  protected override decisionModel(model: SvmModel, x: FeatureMatrix): Float64Array {
    return svmDecisionValues(model.trained, model.trained.serialized, model.pca ? model.pca.transform(x) : x);
  }

  protected modelToJSON(model: SvmModel): SvmModelJSON {
    return { gamma: model.gamma, supportVectors: model.trained.supportVectors, pca: model.pca ? model.pca.toJSON() : null, compact: model.compact };
  }

  protected override releaseModel(model: SvmModel): void {
    model.trained.svm.free();
  }

  /** Restores an SVM head from {@link SvmHead.toJSON}'s output (loads the model into WebAssembly memory). */
  static async fromJSON(json: unknown): Promise<SvmHead> {
    const saved = checkSavedHead(json, "svm");
    const params = savedParams(saved, (p) => resolveParams<SvmHeadParams>("svm", SVM_HEAD_SPECS, p));
    const m = saved.model as SvmModelJSON;
    if (m === null || typeof m !== "object" || !(m.gamma > 0)) throw new HeadError("bad-format", "svm: model missing");
    const pca = m.pca === undefined || m.pca === null ? null : Pca.fromJSON(m.pca, saved.dim);
    if ((pca?.components ?? 0) !== params.components) throw new HeadError("bad-format", "svm: params.components does not match the saved projection");
    if ((m.compact?.encoding ?? "float32") !== VECTOR_ENCODINGS[params.vectorBits]) {
      throw new HeadError("bad-format", "svm: params.vectorBits does not match the saved support vectors");
    }
    const { text, compact } = savedLibsvm(m, pca ? pca.components : saved.dim, saved.classes.length);
    const trained = await restoreLibsvm(text);
    const head = new SvmHead(params);
    try {
      return head.restore(saved, { trained, gamma: m.gamma, pca, compact });
    } catch (e) {
      trained.svm.free();
      throw e;
    }
  }
}
