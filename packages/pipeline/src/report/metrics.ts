import { calibrationError, type CalibrationError } from "@fer/heads";

/** Precision, recall, F1 and support of one class. */
export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Number of images whose true class this is. */
  readonly support: number;
}

/** Classification metrics of a labelled evaluation. */
export interface ClassificationMetrics {
  /** Class names, in the order of the confusion matrix rows and columns. */
  readonly classes: readonly string[];
  /** `confusion[actual][predicted]` counts (images with no prediction are not in it). */
  readonly confusion: number[][];
  /** Correct predictions / all images (images with no prediction count as wrong). */
  readonly accuracy: number;
  /** Mean F1 over the classes present in the labels or the predictions. */
  readonly macroF1: number;
  readonly perClass: Record<string, ClassMetrics>;
  /** Support-weighted averages of precision, recall and F1 (the study's "all classes (weighted)" row). */
  readonly weighted: { readonly precision: number; readonly recall: number; readonly f1: number; readonly support: number };
  /** Images per class in the labels (actual) and in the predictions. */
  readonly actualCounts: number[];
  readonly predictedCounts: number[];
}

/**
 * Computes accuracy, per-class precision/recall/F1, their weighted average and macro-F1, and the confusion matrix.
 * `predicted[i]` is a class index, or -1 when no prediction was made for image i (e.g. no face found): such images
 * count in the support and as errors, but in no confusion cell. A ratio with a zero denominator is 0.
 */
export function classificationMetrics(classes: readonly string[], actual: ArrayLike<number>, predicted: ArrayLike<number>): ClassificationMetrics {
  if (actual.length !== predicted.length) throw new RangeError(`${actual.length} labels but ${predicted.length} predictions`);
  const k = classes.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const actualCounts = new Array<number>(k).fill(0);
  const predictedCounts = new Array<number>(k).fill(0);
  let correct = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const p = predicted[i] as number;
    if (!(a >= 0 && a < k)) throw new RangeError(`label ${a} of image ${i} is not a class index`);
    actualCounts[a]!++;
    if (p < 0) continue;
    if (p >= k) throw new RangeError(`prediction ${p} of image ${i} is not a class index`);
    predictedCounts[p]!++;
    confusion[a]![p]!++;
    if (a === p) correct++;
  }
  const ratio = (n: number, d: number) => (d === 0 ? 0 : n / d);
  const perClass: Record<string, ClassMetrics> = {};
  let wp = 0;
  let wr = 0;
  let wf = 0;
  let f1Sum = 0;
  let f1Count = 0;
  classes.forEach((c, j) => {
    const tp = confusion[j]![j]!;
    const precision = ratio(tp, predictedCounts[j]!);
    const recall = ratio(tp, actualCounts[j]!);
    const f1 = ratio(2 * precision * recall, precision + recall);
    const support = actualCounts[j]!;
    perClass[c] = { precision, recall, f1, support };
    wp += precision * support;
    wr += recall * support;
    wf += f1 * support;
    if (support > 0 || predictedCounts[j]! > 0) {
      f1Sum += f1;
      f1Count++;
    }
  });
  const n = actual.length;
  return {
    classes: [...classes],
    confusion,
    accuracy: ratio(correct, n),
    macroF1: ratio(f1Sum, f1Count),
    perClass,
    weighted: { precision: ratio(wp, n), recall: ratio(wr, n), f1: ratio(wf, n), support: n },
    actualCounts,
    predictedCounts,
  };
}

/**
 * Top-label calibration of an evaluation (`@fer/heads`' `calibrationError`: 15 equal-width confidence bins) over the
 * images with a prediction (`predicted` -1, no face found, is left out: it has no confidence).
 * `probabilities` is row-major [images, classes]; the predicted class must be each row's argmax.
 */
export function calibrationOfRun(actual: ArrayLike<number>, predicted: ArrayLike<number>, probabilities: ArrayLike<number>, classes: number): CalibrationError {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < actual.length; i++) {
    if ((predicted[i] as number) < 0) continue;
    rows.push(Array.from({ length: classes }, (_, c) => probabilities[i * classes + c] as number));
    labels.push(actual[i] as number);
  }
  return calibrationError(rows, labels);
}
