import { HeadError } from "../core/errors.js";

/** One confidence bin of a reliability diagram. */
export interface ReliabilityBin {
  /** The bin holds top-label confidences in (lower, upper] (the first bin also holds 0). */
  readonly lower: number;
  readonly upper: number;
  /** Samples whose top-label confidence falls in the bin. */
  readonly count: number;
  /** Mean top-label confidence of those samples (NaN when empty). */
  readonly confidence: number;
  /** Fraction of them whose top label is right (NaN when empty). */
  readonly accuracy: number;
}

/** Expected calibration error and the reliability diagram it comes from. */
export interface CalibrationError {
  /** Sum over bins of (count / N) |accuracy - confidence|, in [0, 1]. */
  readonly ece: number;
  /** Largest |accuracy - confidence| over non-empty bins. */
  readonly maxGap: number;
  /** Accuracy of the top label over all samples. */
  readonly accuracy: number;
  /** Mean top-label confidence over all samples. */
  readonly confidence: number;
  readonly bins: readonly ReliabilityBin[];
}

/** Number of equal-width confidence bins of {@link calibrationError} by default (Guo et al. 2017). */
export const ECE_BINS = 15;

function check(probs: readonly (readonly number[])[], labels: ArrayLike<number>, what: string): void {
  if (probs.length !== labels.length || probs.length === 0) {
    throw new HeadError("bad-shape", `${what} needs one non-empty probability row per label (${probs.length} rows, ${labels.length} labels)`);
  }
}

/**
 * Top-label expected calibration error over `bins` equal-width confidence bins (Guo et al. 2017, default 15):
 * each row's confidence is its largest probability (first on ties) and it is right when that class is its label;
 * bin b holds confidences in (b/bins, (b+1)/bins].
 * @throws {HeadError} `bad-shape` when rows and labels differ in number or are empty.
 */
export function calibrationError(probs: readonly (readonly number[])[], labels: ArrayLike<number>, bins = ECE_BINS): CalibrationError {
  check(probs, labels, "calibrationError");
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const right = new Array<number>(bins).fill(0);
  let totalConf = 0;
  let totalRight = 0;
  probs.forEach((row, i) => {
    let best = 0;
    for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
    const p = row[best]!;
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
    const ok = best === labels[i] ? 1 : 0;
    count[b]! += 1;
    conf[b]! += p;
    right[b]! += ok;
    totalConf += p;
    totalRight += ok;
  });
  const n = probs.length;
  let ece = 0;
  let maxGap = 0;
  const out = count.map((c, b): ReliabilityBin => {
    const confidence = c > 0 ? conf[b]! / c : Number.NaN;
    const accuracy = c > 0 ? right[b]! / c : Number.NaN;
    if (c > 0) {
      const gap = Math.abs(accuracy - confidence);
      ece += (c / n) * gap;
      maxGap = Math.max(maxGap, gap);
    }
    return { lower: b / bins, upper: (b + 1) / bins, count: c, confidence, accuracy };
  });
  return { ece, maxGap, accuracy: totalRight / n, confidence: totalConf / n, bins: out };
}

/** Mean negative log-likelihood of the labels (natural log; probabilities floored at 1e-12). */
export function meanLogLoss(probs: readonly (readonly number[])[], labels: ArrayLike<number>): number {
  check(probs, labels, "meanLogLoss");
  let s = 0;
  probs.forEach((row, i) => (s -= Math.log(Math.max(row[labels[i]!] ?? 0, 1e-12))));
  return s / probs.length;
}
