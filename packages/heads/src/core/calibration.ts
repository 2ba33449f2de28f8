import { HeadError } from "./errors.js";

/** Version of the calibration record saved inside a head file (`calibration.version`). */
export const CALIBRATION_VERSION = 1;

/**
 * Temperature scaling: each row of the head's probabilities p becomes `max(p, floor)^(1/T)`, renormalised, i.e. a
 * softmax of `log(max(p, floor)) / T`. For a softmax head (`p = softmax(z)`) and a floor below every probability
 * this is exactly temperature scaling of its logits z. Monotone within a row: the argmax never changes.
 */
export interface TemperatureCalibration {
  readonly version: typeof CALIBRATION_VERSION;
  readonly method: "temperature";
  /** T > 0: above 1 softens over-confident probabilities, below 1 sharpens them. */
  readonly temperature: number;
  /** Probabilities are raised to this before the log (vote fractions of forests and kNN can be 0). */
  readonly floor: number;
  /** Free text: what the calibration was fitted on (e.g. "fer2013/train validation split, seed 42, 2,873 faces"). */
  readonly fittedOn?: string;
}

/**
 * A probability model for heads whose own scores are not probabilities (an SVM without libsvm's probability model):
 * a multinomial logistic regression on the head's decision values d (one per pair of classes for an SVM),
 * `p = softmax(W d + b)`, fitted by maximum likelihood on held-out predictions.
 */
export interface LogisticCalibration {
  readonly version: typeof CALIBRATION_VERSION;
  readonly method: "logistic";
  /** Number of decision values per vector (the head's `decisionValueCount`). */
  readonly inputs: number;
  /** classes x inputs, row-major. */
  readonly weights: readonly number[];
  /** One per class. */
  readonly bias: readonly number[];
  readonly fittedOn?: string;
}

/** How a head turns its raw scores into calibrated probabilities (saved in the head file as `calibration`). */
export type Calibration = TemperatureCalibration | LogisticCalibration;

/** The calibration methods. */
export type CalibrationMethod = Calibration["method"];

/** Default floor of {@link TemperatureCalibration}. */
export const TEMPERATURE_FLOOR = 1e-4;

const bad = (why: string): never => {
  throw new HeadError("bad-format", `calibration: ${why}`);
};

/**
 * Checks a saved calibration record (`calibration` of a head file) for `numClasses` classes and returns it typed.
 * `undefined` / `null` (head files written before calibration existed) give `null`: the head's own probabilities,
 * i.e. temperature 1. Throws `version-mismatch` for another record version and `bad-format` for a malformed one.
 */
export function parseCalibration(json: unknown, numClasses: number): Calibration | null {
  if (json === undefined || json === null) return null;
  if (typeof json !== "object") return bad("not an object");
  const c = json as Partial<Record<string, unknown>>;
  if (c["version"] !== CALIBRATION_VERSION) {
    throw new HeadError("version-mismatch", `calibration record has version ${JSON.stringify(c["version"])}, this @fer/heads reads version ${CALIBRATION_VERSION}`);
  }
  const fittedOn = typeof c["fittedOn"] === "string" ? { fittedOn: c["fittedOn"] } : {};
  if (c["method"] === "temperature") {
    const t = c["temperature"];
    const floor = c["floor"];
    if (typeof t !== "number" || !(t > 0) || !Number.isFinite(t)) bad("temperature must be a finite number > 0");
    if (typeof floor !== "number" || !(floor > 0 && floor < 1)) bad("floor must be in (0, 1)");
    return { version: CALIBRATION_VERSION, method: "temperature", temperature: t as number, floor: floor as number, ...fittedOn };
  }
  if (c["method"] === "logistic") {
    const inputs = c["inputs"];
    const w = c["weights"];
    const b = c["bias"];
    if (typeof inputs !== "number" || !Number.isInteger(inputs) || inputs < 1) bad("inputs must be a positive integer");
    const finite = (a: unknown, n: number): boolean => Array.isArray(a) && a.length === n && a.every((v) => typeof v === "number" && Number.isFinite(v));
    if (!finite(w, numClasses * (inputs as number))) bad(`weights must be ${numClasses} x ${String(inputs)} finite numbers`);
    if (!finite(b, numClasses)) bad(`bias must be ${numClasses} finite numbers`);
    return { version: CALIBRATION_VERSION, method: "logistic", inputs: inputs as number, weights: [...(w as number[])], bias: [...(b as number[])], ...fittedOn };
  }
  return bad(`unknown method ${JSON.stringify(c["method"])}`);
}

/**
 * Applies a temperature calibration to row-major N x K probabilities (in place) and returns them.
 */
export function applyTemperature(p: Float64Array, k: number, temperature: number, floor: number): Float64Array {
  const inv = 1 / temperature;
  for (let o = 0; o < p.length; o += k) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      const z = Math.log(Math.max(p[o + c]!, floor)) * inv;
      p[o + c] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += p[o + c] = Math.exp(p[o + c]! - max);
    for (let c = 0; c < k; c++) p[o + c]! /= sum;
  }
  return p;
}

/** Applies a logistic calibration to row-major N x `c.inputs` decision values; returns N x K probabilities. */
export function applyLogistic(d: Float64Array, c: LogisticCalibration, k: number): Float64Array {
  const m = c.inputs;
  const n = d.length / m;
  const out = new Float64Array(n * k);
  const z = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let a = 0; a < k; a++) {
      let s = c.bias[a]!;
      for (let j = 0; j < m; j++) s += c.weights[a * m + j]! * d[i * m + j]!;
      z[a] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let a = 0; a < k; a++) sum += z[a] = Math.exp(z[a]! - max);
    for (let a = 0; a < k; a++) out[i * k + a] = z[a]! / sum;
  }
  return out;
}
