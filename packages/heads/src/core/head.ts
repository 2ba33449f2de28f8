import { argmaxRows, EMOTIONS } from "@fer/preprocess";
import { applyLogistic, applyTemperature, parseCalibration, type Calibration } from "./calibration.js";
import { HeadError } from "./errors.js";
import { checkClasses, encodeLabels, type LabelsInput } from "./labels.js";
import { assertDimension, toFeatureMatrix, type FeatureMatrix, type FeaturesInput } from "./matrix.js";
import { resolveParams, type ParamSpec, type ParamValue } from "./params.js";
import { Standardizer, type StandardizerJSON } from "./scaler.js";

/** The kinds of head this package provides. */
export type HeadKind = "softmax" | "cnn-output" | "svm" | "random-forest" | "knn" | "bagging-svm";

/** Version of the saved-head format; a saved head of another version is refused with `version-mismatch`. */
export const HEAD_FORMAT_VERSION = 1;

/** Options of {@link Head.fit}. */
export interface FitOptions {
  /** Class names, in the order label indices refer to. Default: the seven canonical `EMOTIONS`. */
  readonly classes?: readonly string[];
  /** Called as training advances (e.g. trees built / SVMs trained so far). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A head's parameters together with their descriptions, as returned by {@link Head.describe}. */
export interface HeadDescription {
  readonly kind: HeadKind;
  /** One line about the model. */
  readonly summary: string;
  /** How `predictProba` computes its per-class probabilities. */
  readonly probabilities: string;
  readonly params: readonly (Omit<ParamSpec, "check"> & { readonly value: ParamValue })[];
}

/** The JSON document a head saves to (`toJSON`) and is restored from (`headFromJSON`). */
export interface SavedHead {
  readonly format: "fer-head";
  readonly version: number;
  readonly kind: HeadKind;
  readonly params: Record<string, ParamValue>;
  readonly classes: readonly string[];
  /** Feature dimension the head was fitted on. */
  readonly dim: number;
  /** The standardisation fitted with the head, or null when the head does not standardise. */
  readonly scaler: StandardizerJSON | null;
  /** Kind-specific model state. */
  readonly model: unknown;
  /**
   * How `predictProba` calibrates the model's scores (see {@link Calibration}); absent in files written before
   * calibration existed, which load uncalibrated (temperature 1).
   */
  readonly calibration?: Calibration;
}

/**
 * A classifier on top of feature vectors. All heads share this interface so they can be swapped freely.
 * X is a batch of feature vectors (a {@link FeatureMatrix} or an array of equal-length arrays);
 * y gives one label per vector, as a class name or an index into `classes`.
 */
export interface Head {
  readonly kind: HeadKind;
  /** The resolved parameters (defaults filled in). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Class names in the order of `predict` indices and `predictProba` columns. */
  readonly classes: readonly string[];
  /** Feature dimension, once fitted. */
  readonly dim: number | undefined;
  readonly fitted: boolean;
  /**
   * Trains the head (fitting the standardisation first when the head uses one). Input is validated before
   * anything changes: on error the head keeps its previous state. Resolves to the head itself.
   */
  fit(X: FeaturesInput, y: LabelsInput, options?: FitOptions): Promise<this>;
  /** Predicted class index (into `classes`) of each feature vector. */
  predict(X: FeaturesInput): number[];
  /**
   * Per-class probabilities of each feature vector; each row sums to 1 (see `describe().probabilities`), after the
   * head's {@link Head.calibration} when it has one.
   */
  predictProba(X: FeaturesInput): number[][];
  /** The calibration `predictProba` applies, or null (the model's own probabilities). */
  readonly calibration: Calibration | null;
  /**
   * Sets (or with null removes) the calibration `predictProba` applies; saved with the head by `toJSON`.
   * A `logistic` calibration needs a head with decision values ({@link Head.decisionValueCount} > 0) and that many
   * inputs; otherwise throws `bad-parameter`.
   */
  setCalibration(calibration: Calibration | null): void;
  /** The model's own probabilities, before calibration (what a temperature calibration is fitted on). */
  predictProbaUncalibrated(X: FeaturesInput): number[][];
  /**
   * Probabilities of samples seen in several views (row i of every view is sample i, e.g. a face and its mirror
   * image): the model's scores (probabilities, or decision values for a logistic calibration) averaged over the
   * views, then calibrated once; without a calibration, the mean of the views' probabilities. A temperature thus
   * never changes the argmax of the average. Throws `bad-shape` for no view or views of different row counts.
   */
  predictProbaViews(views: readonly FeaturesInput[]): number[][];
  /** Number of decision values per vector (one per pair of classes for an SVM); 0 when the head has none. */
  readonly decisionValueCount: number;
  /** The model's decision values (what a logistic calibration is fitted on); throws `bad-parameter` without any. */
  decisionValues(X: FeaturesInput): number[][];
  /** The head as a JSON-serialisable document (restore it with `headFromJSON`). */
  toJSON(): SavedHead;
  /** Parameters with their meaning, defaults and current values, and how probabilities are computed. */
  describe(): HeadDescription;
  /** Frees resources not managed by the garbage collector (WebAssembly memory of SVMs). Idempotent. */
  dispose(): void;
}

/**
 * Shared plumbing of every head: parameter checking, input validation, the optional standardisation,
 * atomic fit (state is only replaced once training succeeded), the saved-head envelope.
 * Subclasses implement the model-specific parts.
 */
export abstract class BaseHead<P extends object, M> implements Head {
  abstract readonly kind: HeadKind;
  readonly params: Readonly<P & Record<string, ParamValue>>;
  private _classes: readonly string[] = EMOTIONS;
  private _dim: number | undefined;
  private _scaler: Standardizer | null = null;
  private _model: M | undefined;
  private _disposed = false;
  private _calibration: Calibration | null = null;

  protected constructor(kind: HeadKind, specs: readonly ParamSpec[], params: Partial<P> | undefined) {
    this.params = resolveParams<P & Record<string, ParamValue>>(kind, specs, params);
  }

  /** The parameter specifications of this head kind. */
  protected abstract get specs(): readonly ParamSpec[];
  /** One-line model summary for {@link describe}. */
  protected abstract get summary(): string;
  /** How probabilities are computed, for {@link describe}. */
  protected abstract get probabilityMethod(): string;
  /** Whether inputs are standardised before the model sees them. */
  protected abstract get standardize(): boolean;
  /** Trains a new model on already validated (and standardised) data; must not touch `this` state. */
  protected abstract fitModel(x: FeatureMatrix, y: Uint8Array, numClasses: number, options: FitOptions): Promise<M>;
  /** Row-major N x numClasses probabilities. */
  protected abstract probaModel(model: M, x: FeatureMatrix, numClasses: number): Float64Array;
  /** Kind-specific JSON of the model. */
  protected abstract modelToJSON(model: M): unknown;
  /** Frees a model's non-GC resources (default: nothing). */
  protected releaseModel(_model: M): void {}
  /** Decision values per vector of a model (default: none). */
  protected decisionCountModel(_model: M): number {
    return 0;
  }
  /** Row-major N x {@link decisionCountModel} decision values (only called when that count is > 0). */
  protected decisionModel(_model: M, _x: FeatureMatrix): Float64Array {
    return new Float64Array(0);
  }

  /** Predicted classes; default: argmax of the probabilities (lowest index wins ties). */
  protected predictModel(model: M, x: FeatureMatrix, numClasses: number): Int32Array {
    return Int32Array.from(argmaxRows(this.probaModel(model, x, numClasses), numClasses));
  }

  get classes(): readonly string[] {
    return this._classes;
  }

  get dim(): number | undefined {
    return this._dim;
  }

  get fitted(): boolean {
    return this._model !== undefined;
  }

  /** The fitted standardisation, if any. */
  get scaler(): Standardizer | null {
    return this._scaler;
  }

  async fit(X: FeaturesInput, y: LabelsInput, options: FitOptions = {}): Promise<this> {
    this.assertUsable();
    const m = toFeatureMatrix(X);
    const classes = options.classes ?? this._classes;
    checkClasses(classes);
    const labels = encodeLabels(y, classes, m.rows);
    const scaler = this.standardize ? Standardizer.fit(m) : null;
    const xs = scaler ? scaler.transform(m) : m;
    const model = await this.fitModel(xs, labels, classes.length, options);
    this.commit(model, [...classes], m.cols, scaler);
    return this;
  }

  predict(X: FeaturesInput): number[] {
    const [model, xs] = this.prepare(X);
    const k = this._classes.length;
    // A temperature keeps each row's order; a logistic probability model does not, and then decides the class.
    if (this._calibration?.method === "logistic") return Array.from(argmaxRows(this.calibratedProba(model, xs, k), k));
    return Array.from(this.predictModel(model, xs, k));
  }

  predictProba(X: FeaturesInput): number[][] {
    const [model, xs] = this.prepare(X);
    const k = this._classes.length;
    return matrixRows(this.calibratedProba(model, xs, k), k);
  }

  predictProbaUncalibrated(X: FeaturesInput): number[][] {
    const [model, xs] = this.prepare(X);
    const k = this._classes.length;
    return matrixRows(this.probaModel(model, xs, k), k);
  }

  get calibration(): Calibration | null {
    return this._calibration;
  }

  setCalibration(calibration: Calibration | null): void {
    const model = this.requireModel();
    if (calibration === null) {
      this._calibration = null;
      return;
    }
    let checked: Calibration | null;
    try {
      checked = parseCalibration(calibration, this._classes.length);
    } catch (e) {
      throw new HeadError("bad-parameter", (e as Error).message);
    }
    if (checked?.method === "logistic" && checked.inputs !== this.decisionCountModel(model)) {
      throw new HeadError("bad-parameter", `a logistic calibration of ${checked.inputs} inputs does not fit this ${this.kind} head (${this.decisionCountModel(model)} decision values)`);
    }
    this._calibration = checked;
  }

  get decisionValueCount(): number {
    return this._model === undefined ? 0 : this.decisionCountModel(this._model);
  }

  decisionValues(X: FeaturesInput): number[][] {
    const [model, xs] = this.prepare(X);
    const m = this.decisionCountModel(model);
    if (m === 0) throw new HeadError("bad-parameter", `a ${this.kind} head has no decision values`);
    return matrixRows(this.decisionModel(model, xs), m);
  }

  predictProbaViews(views: readonly FeaturesInput[]): number[][] {
    if (views.length === 0) throw new HeadError("bad-shape", "no views to average");
    const prepared = views.map((v) => this.prepare(v));
    const rows = prepared[0]![1].rows;
    prepared.forEach(([, x], i) => {
      if (x.rows !== rows) throw new HeadError("bad-shape", `views[${i}] has ${x.rows} rows, views[0] has ${rows}`);
    });
    const k = this._classes.length;
    const c = this._calibration;
    const scores = prepared.map(([model, x]) => (c?.method === "logistic" ? this.decisionModel(model, x) : this.probaModel(model, x, k)));
    const mean = scores[0]!;
    for (const s of scores.slice(1)) for (let i = 0; i < mean.length; i++) mean[i]! += s[i]!;
    for (let i = 0; i < mean.length; i++) mean[i]! /= scores.length;
    return matrixRows(this.calibrate(mean, k), k);
  }

  /** Row-major N x k probabilities after the calibration. */
  private calibratedProba(model: M, xs: FeatureMatrix, k: number): Float64Array {
    return this.calibrate(this._calibration?.method === "logistic" ? this.decisionModel(model, xs) : this.probaModel(model, xs, k), k);
  }

  /** The calibration applied to the model's scores (probabilities, or decision values for a logistic one), row-major. */
  private calibrate(scores: Float64Array, k: number): Float64Array {
    const c = this._calibration;
    if (c === null) return scores;
    if (c.method === "temperature") return applyTemperature(scores, k, c.temperature, c.floor);
    return applyLogistic(scores, c, k);
  }

  toJSON(): SavedHead {
    const model = this.requireModel();
    return {
      format: "fer-head",
      version: HEAD_FORMAT_VERSION,
      kind: this.kind,
      params: { ...this.params },
      classes: [...this._classes],
      dim: this._dim as number,
      scaler: this._scaler ? this._scaler.toJSON() : null,
      model: this.modelToJSON(model),
      ...(this._calibration ? { calibration: this._calibration } : {}),
    };
  }

  describe(): HeadDescription {
    return {
      kind: this.kind,
      summary: this.summary,
      probabilities: this.probabilityMethod + describeCalibration(this._calibration),
      params: this.specs.map(({ check: _check, ...rest }) => ({
        ...rest,
        value: (this.params as Record<string, ParamValue>)[rest.name] ?? null,
      })),
    };
  }

  dispose(): void {
    if (this._model !== undefined) this.releaseModel(this._model);
    this._model = undefined;
    this._disposed = true;
  }

  /** Installs a trained or restored model (releasing the previous one). */
  protected commit(model: M, classes: readonly string[], dim: number, scaler: Standardizer | null): void {
    if (this._model !== undefined) this.releaseModel(this._model);
    this._model = model;
    this._classes = classes;
    this._dim = dim;
    this._scaler = scaler;
    this._calibration = null;
  }

  /** Restores the common envelope fields of `saved` into this (unfitted) head with `model`. */
  protected restore(saved: SavedHead, model: M): this {
    const scaler = saved.scaler === null ? null : Standardizer.fromJSON(saved.scaler, saved.dim);
    if (this.standardize !== (scaler !== null)) {
      throw new HeadError("bad-format", `saved ${saved.kind} head: params.standardize does not match the saved scaler`);
    }
    const calibration = parseCalibration(saved.calibration, saved.classes.length);
    if (calibration?.method === "logistic" && calibration.inputs !== this.decisionCountModel(model)) {
      throw new HeadError("bad-format", `saved ${saved.kind} head: its logistic calibration expects ${calibration.inputs} decision values, the model gives ${this.decisionCountModel(model)}`);
    }
    this.commit(model, [...saved.classes], saved.dim, scaler);
    this._calibration = calibration;
    return this;
  }

  /** The validated, standardised X and the model, for prediction. */
  protected prepare(X: FeaturesInput): [M, FeatureMatrix] {
    const model = this.requireModel();
    const m = toFeatureMatrix(X);
    assertDimension(m, this._dim as number);
    return [model, this._scaler ? this._scaler.transform(m) : m];
  }

  /** The model, or a `not-fitted` / `disposed` error. */
  protected requireModel(): M {
    this.assertUsable();
    if (this._model === undefined) throw new HeadError("not-fitted", `${this.kind} head is not fitted: call fit() or load a saved head`);
    return this._model;
  }

  private assertUsable(): void {
    if (this._disposed) throw new HeadError("disposed", `${this.kind} head was disposed`);
  }
}

/** How `predictProba` calibrates, for {@link Head.describe} ("" without a calibration). */
function describeCalibration(c: Calibration | null): string {
  if (c === null) return "";
  const on = c.fittedOn !== undefined ? ` (fitted on ${c.fittedOn})` : "";
  return c.method === "temperature"
    ? `; then temperature scaling, T = ${c.temperature.toPrecision(4)}${on}: softmax of log(max(p, ${c.floor})) / T`
    : `; replaced by a multinomial logistic model on the ${c.inputs} decision values${on}`;
}

/** Row-major N x k values as N arrays. */
function matrixRows(p: Float64Array, k: number): number[][] {
  const n = p.length / k;
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = Array.from(p.subarray(i * k, (i + 1) * k));
  return rows;
}

/**
 * Checks the envelope of a saved head (format tag, version, kind, classes, dim) and returns it typed.
 * Throws `version-mismatch` for another format version and `bad-format` for anything malformed.
 */
export function checkSavedHead(json: unknown, kind?: HeadKind): SavedHead {
  const s = json as Partial<SavedHead> | null;
  if (s === null || typeof s !== "object" || s.format !== "fer-head") {
    throw new HeadError("bad-format", "not a saved @fer/heads head (missing format: \"fer-head\")");
  }
  if (s.version !== HEAD_FORMAT_VERSION) {
    throw new HeadError(
      "version-mismatch",
      `saved head has format version ${JSON.stringify(s.version)}, this @fer/heads reads version ${HEAD_FORMAT_VERSION}; refit the head or use a matching @fer/heads`,
    );
  }
  if (kind !== undefined && s.kind !== kind) throw new HeadError("bad-format", `saved head is a ${String(s.kind)} head, not ${kind}`);
  if (!Array.isArray(s.classes)) throw new HeadError("bad-format", "saved head has no classes");
  try {
    checkClasses(s.classes);
  } catch (e) {
    throw new HeadError("bad-format", `saved head classes are invalid: ${(e as Error).message}`);
  }
  if (!Number.isInteger(s.dim) || (s.dim as number) <= 0) throw new HeadError("bad-format", "saved head has no valid dim");
  if (s.params === null || typeof s.params !== "object") throw new HeadError("bad-format", "saved head has no params");
  if (s.scaler === undefined) throw new HeadError("bad-format", "saved head has no scaler field");
  return s as SavedHead;
}

/** Re-throws a parameter error from a saved document as `bad-format`. */
export function savedParams<P>(saved: SavedHead, parse: (p: Record<string, ParamValue>) => P): P {
  try {
    return parse(saved.params);
  } catch (e) {
    throw new HeadError("bad-format", `saved ${saved.kind} head has invalid params: ${(e as Error).message}`);
  }
}
