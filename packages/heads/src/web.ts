/// <reference lib="dom" />
// The browser entry of @fer/heads: restores saved heads and predicts with them in a web page. Random forests (the fast
// preset's head), softmax, CNN-output and k-NN heads work; SVM heads (libsvm-js) and training a forest (worker
// threads) are Node-only and throw a HeadError `node-only`. No Node built-in may be imported from here.
import { HeadError } from "./core/errors.js";
import { BaseHead, checkSavedHead, type Head, type HeadKind } from "./core/head.js";
import type { FeatureMatrix } from "./core/matrix.js";
import type { ParamSpec, ParamValue } from "./core/params.js";
import { forestFromJSON, forestProba, type ForestModel, type ForestModelJSON } from "./forest/forest-model.js";
import { KnnHead } from "./knn/knn-head.js";
import { CnnOutputHead } from "./softmax/cnn-output-head.js";
import { SoftmaxHead } from "./softmax/softmax-head.js";

export { HeadError, type HeadErrorKind } from "./core/errors.js";
export type { Head, HeadKind, SavedHead } from "./core/head.js";
export type { FeatureMatrix, FeaturesInput } from "./core/matrix.js";
export { predictAveraged, predictProbaAveraged } from "./core/view-average.js";
export { CnnOutputHead } from "./softmax/cnn-output-head.js";
export { KnnHead } from "./knn/knn-head.js";
export { SoftmaxHead } from "./softmax/softmax-head.js";

/**
 * A saved random forest restored for prediction in a page: the same trees, probabilities and calibration as
 * `RandomForestHead` in Node (same `forestProba` and `BaseHead`), without its training (worker threads). Its
 * parameters are the saved ones, as saved (`RandomForestHead` checked them when it was fitted).
 */
export class WebRandomForestHead extends BaseHead<Record<string, ParamValue>, ForestModel> {
  readonly kind: HeadKind = "random-forest";
  private readonly savedSpecs: readonly ParamSpec[];

  private constructor(specs: readonly ParamSpec[]) {
    super("random-forest", specs, {});
    this.savedSpecs = specs;
  }

  protected get specs(): readonly ParamSpec[] {
    return this.savedSpecs;
  }
  protected get summary(): string {
    return "random forest of CART classification trees (restored for prediction in the browser)";
  }
  protected get probabilityMethod(): string {
    return "the mean over trees of the class distribution of the leaf each tree reaches (scikit-learn's soft voting)";
  }
  protected get standardize(): boolean {
    return false;
  }
  protected fitModel(): Promise<ForestModel> {
    return Promise.reject(new HeadError("node-only", "random-forest heads are trained in Node (worker threads): use RandomForestHead of @fer/heads"));
  }
  protected probaModel(model: ForestModel, x: FeatureMatrix): Float64Array {
    return forestProba(model, x);
  }
  protected modelToJSON(): unknown {
    throw new HeadError("node-only", "save random-forest heads from Node (RandomForestHead of @fer/heads)");
  }

  /**
   * Restores a random-forest head saved by `RandomForestHead.toJSON()`.
   * @throws {HeadError} `bad-format` / `version-mismatch` for a malformed or foreign document.
   */
  static fromJSON(json: unknown): WebRandomForestHead {
    const saved = checkSavedHead(json, "random-forest");
    const specs: ParamSpec[] = Object.entries(saved.params).map(([name, value]) => ({ name, description: name, default: value, accepts: "as saved", check: () => undefined }));
    const nEstimators = saved.params.nEstimators;
    const model = forestFromJSON(saved.model as ForestModelJSON, saved.dim, saved.classes.length);
    if (model.roots.length !== nEstimators) throw new HeadError("bad-format", "random-forest: tree count differs from nEstimators");
    return new WebRandomForestHead(specs).restore(saved, model);
  }
}

/**
 * Restores a saved head in the browser: random-forest, softmax, cnn-output and knn heads.
 * @throws {HeadError} `node-only` for SVM heads (libsvm-js); `bad-format` / `version-mismatch` for a bad document.
 */
export function webHeadFromJSON(json: unknown): Head {
  const saved = checkSavedHead(json);
  switch (saved.kind) {
    case "random-forest":
      return WebRandomForestHead.fromJSON(saved);
    case "softmax":
      return SoftmaxHead.fromJSON(saved);
    case "cnn-output":
      return CnnOutputHead.fromJSON(saved);
    case "knn":
      return KnnHead.fromJSON(saved);
    case "svm":
    case "bagging-svm":
      throw new HeadError("node-only", `${saved.kind} heads need libsvm-js (WebAssembly loaded from the file system) and worker threads: use them in Node`);
    default:
      throw new HeadError("bad-format", `saved head has unknown kind ${JSON.stringify(saved.kind)}`);
  }
}

/** A head file fetched in a page (see {@link fetchHead}). */
export interface WebHeadFile {
  readonly head: Head;
  /** The CNN layer its features came from (`featuriser.layer`, or `featureLayer` in older files), if said. */
  readonly featureLayer?: "dense1" | "dense2";
  /** Whether the file says to average each face with its mirror image. */
  readonly mirrorAverage?: boolean;
}

/**
 * Fetches a saved head (JSON, gzipped or not: the gzip bytes are inflated with `DecompressionStream`; a server that
 * sends `Content-Encoding: gzip`, as Vite's dev server does for `.gz`, has already inflated them) and restores it.
 * @throws {HeadError} `bad-format` naming the URL when it cannot be fetched or parsed; `node-only` for SVM heads.
 */
export async function fetchHead(url: string | URL): Promise<WebHeadFile> {
  let json: unknown;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
    const text = gz ? await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text() : new TextDecoder().decode(bytes);
    json = JSON.parse(text);
  } catch (cause) {
    throw new HeadError("bad-format", `cannot read head file ${String(url)}: ${(cause as Error).message}`, { cause });
  }
  const head = webHeadFromJSON(json);
  const doc = json as { featuriser?: { layer?: unknown }; featureLayer?: unknown; mirrorAverage?: unknown };
  const layer = doc.featuriser?.layer ?? doc.featureLayer;
  return {
    head,
    ...(typeof doc.mirrorAverage === "boolean" ? { mirrorAverage: doc.mirrorAverage } : {}),
    ...(layer === "dense1" || layer === "dense2" ? { featureLayer: layer } : {}),
  };
}
