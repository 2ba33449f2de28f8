import { HeadError } from "../core/errors.js";
import { BaseHead, checkSavedHead, savedParams, type FitOptions, type HeadKind } from "../core/head.js";
import type { FeatureMatrix, FeaturesInput } from "../core/matrix.js";
import { is, resolveParams, type ParamSpec, type ParamValue } from "../core/params.js";
import { binColumns, fitThresholds } from "./binning.js";
import type { Criterion, TreeSettings } from "./cart.js";
import { assembleForest, forestFromJSON, forestProba, forestSize, forestToJSON, forestTreeVotes, type ForestModel, type ForestModelJSON } from "./forest-model.js";
import { trainTrees } from "./train-trees.js";

/** Parameters of {@link RandomForestHead} (names follow scikit-learn's RandomForestClassifier). */
export interface RandomForestParams {
  nEstimators: number;
  /** Maximum tree depth, or null for none. */
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Draw each tree's sample with replacement. */
  bootstrap: boolean;
  /** Bootstrap sample size: null = training size, a fraction in (0, 1), or a count >= 1. */
  maxSamples: number | null;
  /** Features examined per split: "sqrt", "log2", "all", a count >= 1 or a fraction in (0, 1). */
  maxFeatures: "sqrt" | "log2" | "all" | number;
  criterion: Criterion;
  /** Candidate thresholds per feature + 1 (quantile bins), at most 256. */
  maxBins: number;
  seed: number;
  /** Worker threads for training: 0 = one per core; 1 = the calling thread. Does not change the result. */
  threads: number;
}

const fractionOrCount = is.anyOf(is.int(1), (v) => (typeof v === "number" && v > 0 && v < 1 ? undefined : "a fraction in (0, 1)"));

const SPECS: readonly ParamSpec[] = [
  { name: "nEstimators", description: "number of trees", default: 100, accepts: "integer >= 1", check: is.int(1) },
  { name: "maxDepth", description: "maximum depth of a tree; null grows until leaves are pure or too small", default: null, accepts: "integer >= 1 | null", check: (v) => (v === null ? undefined : is.int(1)(v)) },
  { name: "minSamplesSplit", description: "minimum samples in a node to split it", default: 2, accepts: "integer >= 2", check: is.int(2) },
  { name: "minSamplesLeaf", description: "minimum samples in each leaf (a split leaving fewer is not considered)", default: 1, accepts: "integer >= 1", check: is.int(1) },
  { name: "bootstrap", description: "train each tree on a bootstrap sample (with replacement) instead of the whole training set", default: true, accepts: "boolean", check: is.bool() },
  { name: "maxSamples", description: "bootstrap sample size: null = training size, a fraction in (0, 1) or a count", default: null, accepts: "null | fraction in (0, 1) | integer >= 1", check: (v) => (v === null ? undefined : fractionOrCount(v)) },
  {
    name: "maxFeatures",
    description: "features examined per split ('sqrt' of the dimension as scikit-learn's default; it keeps drawing if all drawn ones are constant in the node)",
    default: "sqrt",
    accepts: "'sqrt' | 'log2' | 'all' | integer >= 1 | fraction in (0, 1)",
    check: is.anyOf(is.oneOf(["sqrt", "log2", "all"]), fractionOrCount),
  },
  { name: "criterion", description: "split quality: Gini impurity or entropy (information gain)", default: "gini", accepts: "'gini' | 'entropy'", check: is.oneOf(["gini", "entropy"]) },
  {
    name: "maxBins",
    description: "split search over at most maxBins quantile bins per feature (exact CART when a feature has <= maxBins distinct values)",
    default: 256,
    accepts: "integer in [2, 256]",
    check: is.int(2, 256),
  },
  { name: "seed", description: "seed of the bootstrap samples and feature draws; equal seeds give equal forests", default: 0, accepts: "integer", check: is.int(-(2 ** 31), 2 ** 31 - 1) },
  { name: "threads", description: "worker threads used to grow trees (0 = one per core); the forest does not depend on it", default: 0, accepts: "integer >= 0", check: is.int(0, 256) },
];

/**
 * Random forest head: our own CART trees (scikit-learn semantics) grown on pre-binned features with histogram
 * split search, in worker threads on every core. Written here rather than with `ml-random-forest` 2.1.0, whose
 * split search is O(n^2) per node (5 trees on 4,000 x 64 took 38 s of CPU here, 1,000 trees on 28,709 x 64 would
 * take days), which samples features per tree instead of per split, and whose `predictProbability` drops the first
 * tree's vote (it seeds its vote sum with that tree's predicted label).
 */
export class RandomForestHead extends BaseHead<RandomForestParams, ForestModel> {
  readonly kind: HeadKind = "random-forest";
  /** Parameter specifications of this head kind. */
  static readonly specs = SPECS;
  /**
   * Threads that grew the trees at the last {@link RandomForestHead.fit} (`undefined` before any, and for a loaded
   * head): 1 when worker threads were not available, whatever `threads` asked for.
   */
  fitThreads: number | undefined;

  constructor(params?: Partial<RandomForestParams>) {
    super("random-forest", SPECS, params);
  }

  protected get specs(): readonly ParamSpec[] {
    return SPECS;
  }
  protected get summary(): string {
    return "random forest of CART classification trees (histogram split search, trees grown in parallel worker threads)";
  }
  protected get probabilityMethod(): string {
    return "the mean over trees of the class distribution of the leaf each tree reaches (scikit-learn's soft voting)";
  }
  protected get standardize(): boolean {
    return false;
  }

  /** Trees, nodes and leaves of the fitted forest. */
  get size(): { trees: number; nodes: number; leaves: number } {
    return forestSize(this.requireModel());
  }

  /**
   * Each tree's vote (the majority class of the leaf it reaches) for each feature vector: rows of nEstimators class
   * indices. With pure leaves, `predictProba` equals the vote fractions: a check that no tree's vote is dropped.
   */
  treeVotes(X: FeaturesInput): number[][] {
    const [model, x] = this.prepare(X);
    const v = forestTreeVotes(model, x);
    const T = model.roots.length;
    return Array.from({ length: x.rows }, (_, i) => Array.from(v.subarray(i * T, (i + 1) * T)));
  }

  protected async fitModel(x: FeatureMatrix, y: Uint8Array, numClasses: number, options: FitOptions): Promise<ForestModel> {
    const p = this.params;
    const thresholds = fitThresholds(x, p.maxBins);
    const binned = binColumns(x, thresholds);
    const settings: TreeSettings = {
      maxDepth: p.maxDepth ?? Infinity,
      minSamplesSplit: p.minSamplesSplit,
      minSamplesLeaf: p.minSamplesLeaf,
      maxFeatures: resolveMaxFeatures(p.maxFeatures, x.cols),
      criterion: p.criterion,
      bootstrap: p.bootstrap,
      sampleSize: resolveSampleSize(p.maxSamples, x.rows),
    };
    const { trees, threads } = await trainTrees(
      { binned, labels: y, rows: x.rows, cols: x.cols, numClasses, thresholds },
      settings,
      p.seed,
      p.nEstimators,
      p.threads,
      options.onProgress,
    );
    this.fitThreads = threads;
    return assembleForest(trees, numClasses);
  }

  protected probaModel(model: ForestModel, x: FeatureMatrix): Float64Array {
    return forestProba(model, x);
  }

  protected modelToJSON(model: ForestModel): ForestModelJSON {
    return forestToJSON(model, this.dim as number);
  }

  /** Restores a random-forest head from {@link RandomForestHead.toJSON}'s output. */
  static fromJSON(json: unknown): RandomForestHead {
    const saved = checkSavedHead(json, "random-forest");
    const params = savedParams(saved, (p) => resolveParams<RandomForestParams>("random-forest", SPECS, p));
    const model = forestFromJSON(saved.model as ForestModelJSON, saved.dim, saved.classes.length);
    if (model.roots.length !== params.nEstimators) throw new HeadError("bad-format", "random-forest: tree count differs from nEstimators");
    return new RandomForestHead(params).restore(saved, model);
  }
}

/** Number of features per split for a `maxFeatures` setting and dimension `d` (at least 1, at most d). */
export function resolveMaxFeatures(v: ParamValue, d: number): number {
  let m: number;
  if (v === "sqrt") m = Math.floor(Math.sqrt(d));
  else if (v === "log2") m = Math.floor(Math.log2(d));
  else if (v === "all" || v === null) m = d;
  else if (typeof v === "number" && v < 1) m = Math.floor(v * d);
  else m = Number(v);
  return Math.max(1, Math.min(d, m));
}

function resolveSampleSize(v: number | null, n: number): number {
  if (v === null) return n;
  if (v < 1) return Math.max(1, Math.round(v * n));
  if (v > n) throw new HeadError("bad-parameter", `random-forest: maxSamples = ${v} exceeds the ${n} training vectors`);
  return v;
}
