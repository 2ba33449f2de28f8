import {
  applyLogistic,
  applyTemperature,
  CALIBRATION_VERSION,
  TEMPERATURE_FLOOR,
  type Calibration,
  type CalibrationMethod,
  type LogisticCalibration,
} from "../core/calibration.js";
import { decodeArray, type EncodedArray } from "../core/binary.js";
import { HeadError } from "../core/errors.js";
import type { Head } from "../core/head.js";
import { encodeLabels, type LabelsInput } from "../core/labels.js";
import { toFeatureMatrix, type FeaturesInput } from "../core/matrix.js";
import { SoftmaxHead } from "../softmax/softmax-head.js";
import { calibrationError, meanLogLoss } from "./metrics.js";

/** Options of {@link calibrateHead}. */
export interface CalibrateOptions {
  /**
   * `temperature` (heads with probabilities), `logistic` (a probability model on the head's decision values, for
   * SVMs without libsvm's probability model), or `auto` (default): logistic for a head whose own probabilities are
   * one-hot and that has decision values, temperature otherwise.
   */
  readonly method?: CalibrationMethod | "auto";
  /** Recorded in the calibration (what it was fitted on). */
  readonly fittedOn?: string;
  /** Temperature floor (default {@link TEMPERATURE_FLOOR}). */
  readonly floor?: number;
  /** L2 penalty of the logistic model (default 1e-3, on the mean cross-entropy). */
  readonly l2?: number;
}

/** Negative log-likelihood, ECE and accuracy of a head's probabilities on the calibration data. */
export interface CalibrationScores {
  readonly logLoss: number;
  readonly ece: number;
  readonly accuracy: number;
}

/** What {@link calibrateHead} fitted, and the scores on the data it was fitted on before and after. */
export interface CalibrationResult {
  readonly calibration: Calibration;
  readonly before: CalibrationScores;
  readonly after: CalibrationScores;
}

/** Mean over views of row-major N x k matrices. */
function meanViews(views: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(views[0]!.length);
  for (const v of views) for (let i = 0; i < v.length; i++) out[i]! += v[i]!;
  for (let i = 0; i < out.length; i++) out[i]! /= views.length;
  return out;
}

function scores(p: Float64Array, y: Uint8Array, k: number): CalibrationScores {
  const rows = Array.from({ length: y.length }, (_, i) => Array.from(p.subarray(i * k, (i + 1) * k)));
  const e = calibrationError(rows, y);
  return { logLoss: meanLogLoss(rows, y), ece: e.ece, accuracy: e.accuracy };
}

/**
 * The temperature T minimising the negative log-likelihood of `labels` under the mean over `views` of each view's
 * probabilities after temperature scaling (`max(p, floor)^(1/T)`, renormalised). Golden-section search on log T in
 * [1/20, 20]; the likelihood is unimodal in T for one view, and smooth for the average of a few.
 */
export function fitTemperature(views: readonly Float64Array[], labels: Uint8Array, k: number, floor = TEMPERATURE_FLOOR): number {
  const nll = (logT: number): number => {
    const t = Math.exp(logT);
    const p = meanViews(views.map((v) => applyTemperature(Float64Array.from(v), k, t, floor)));
    let s = 0;
    for (let i = 0; i < labels.length; i++) s -= Math.log(Math.max(p[i * k + labels[i]!]!, 1e-300));
    return s / labels.length;
  };
  let a = Math.log(1 / 20);
  let b = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = nll(c);
  let fd = nll(d);
  while (b - a > 1e-4) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = nll(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = nll(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/**
 * A multinomial logistic regression from decision values to class probabilities (maximum likelihood with a small
 * L2 penalty, {@link SoftmaxHead} without standardisation), fitted on the rows of every view with their labels.
 */
export async function fitLogisticCalibration(views: readonly Float64Array[], labels: Uint8Array, inputs: number, classes: readonly string[], l2 = 1e-3): Promise<Omit<LogisticCalibration, "fittedOn">> {
  const n = labels.length;
  const data = new Float32Array(views.length * n * inputs);
  const y = new Uint8Array(views.length * n);
  views.forEach((v, i) => {
    data.set(v, i * n * inputs);
    y.set(labels, i * n);
  });
  const lr = new SoftmaxHead({ l2, standardize: false, maxIter: 1000 });
  await lr.fit({ rows: views.length * n, cols: inputs, data }, y, { classes });
  const model = lr.toJSON().model as { weights: EncodedArray; bias: EncodedArray };
  const weights = Array.from(decodeArray(model.weights, "float64", "logistic weights"));
  const bias = Array.from(decodeArray(model.bias, "float64", "logistic bias"));
  return { version: CALIBRATION_VERSION, method: "logistic", inputs, weights, bias };
}

/**
 * Fits `head`'s calibration on held-out data and installs it (`head.setCalibration`): `views` are the feature
 * vectors of the same faces seen several ways (e.g. `[faces, mirrored faces]` for a head used with mirror
 * averaging, else `[faces]`), `labels` their classes. The calibration is fitted on the views' scores averaged, as
 * `predictProbaAveraged` / `head.predictProbaViews` use it. Never fit this on the data a head is scored on.
 * @throws {HeadError} `bad-shape` when the views differ in row count or do not match the labels; `bad-parameter`
 *   for `logistic` on a head without decision values.
 */
export async function calibrateHead(head: Head, views: readonly FeaturesInput[], labels: LabelsInput, options: CalibrateOptions = {}): Promise<CalibrationResult> {
  if (views.length === 0) throw new HeadError("bad-shape", "calibrateHead: no views");
  const matrices = views.map((v, i) => toFeatureMatrix(v, `views[${i}]`));
  const n = matrices[0]!.rows;
  if (matrices.some((m) => m.rows !== n)) throw new HeadError("bad-shape", "calibrateHead: the views differ in row count");
  const y = encodeLabels(labels, head.classes, n);
  const k = head.classes.length;
  const flat = (rows: number[][]): Float64Array => Float64Array.from(rows.flat());
  // Calibrated as the pipeline uses the head: the views' scores averaged, then calibrated once (predictProbaViews).
  const raw = meanViews(matrices.map((m) => flat(head.predictProbaUncalibrated(m))));
  const before = scores(raw, y, k);
  const oneHot = matrices.every((m) => head.predictProbaUncalibrated(m).every((p) => p.every((v) => v === 0 || v === 1)));
  const method = options.method === undefined || options.method === "auto" ? (oneHot && head.decisionValueCount > 0 ? "logistic" : "temperature") : options.method;
  const fittedOn = options.fittedOn !== undefined ? { fittedOn: options.fittedOn } : {};
  let calibration: Calibration;
  let after: Float64Array;
  if (method === "temperature") {
    const floor = options.floor ?? TEMPERATURE_FLOOR;
    const temperature = fitTemperature([raw], y, k, floor);
    calibration = { version: CALIBRATION_VERSION, method: "temperature", temperature, floor, ...fittedOn };
    after = applyTemperature(Float64Array.from(raw), k, temperature, floor);
  } else {
    const m = head.decisionValueCount;
    if (m === 0) throw new HeadError("bad-parameter", `a ${head.kind} head has no decision values for a logistic calibration`);
    const d = meanViews(matrices.map((x) => flat(head.decisionValues(x))));
    const fitted = await fitLogisticCalibration([d], y, m, head.classes, options.l2);
    calibration = { ...fitted, ...fittedOn };
    after = applyLogistic(d, calibration, k);
  }
  head.setCalibration(calibration);
  return { calibration, before, after: scores(after, y, k) };
}
