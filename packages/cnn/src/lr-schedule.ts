import type * as tf from "@tensorflow/tfjs-core";

/**
 * Keras' ReduceLROnPlateau on validation accuracy: after `patience` epochs with no better validation accuracy
 * (counted from the best epoch or the last reduction, whichever is later), multiply the learning rate by `factor`,
 * never going below `minLearningRate`.
 */
export interface PlateauSchedule {
  readonly factor: number;
  readonly patience: number;
  readonly minLearningRate: number;
}

/** Checks a schedule's numbers, throwing a RangeError that names the bad one. */
export function assertPlateauSchedule(s: PlateauSchedule): void {
  if (!(s.factor > 0 && s.factor < 1)) throw new RangeError(`the plateau factor must be in (0, 1), got ${s.factor}`);
  if (!Number.isInteger(s.patience) || s.patience < 1) throw new RangeError(`the plateau patience must be a positive integer, got ${s.patience}`);
  if (!(s.minLearningRate >= 0)) throw new RangeError(`the minimum learning rate must be >= 0, got ${s.minLearningRate}`);
}

/** Parses `FACTOR,PATIENCE[,MIN]` (e.g. `0.5,2,1e-5`; MIN defaults to 0). */
export function parsePlateauSchedule(text: string): PlateauSchedule {
  const parts = text.split(",").map((p) => Number(p.trim()));
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !Number.isFinite(p))) {
    throw new RangeError(`expected FACTOR,PATIENCE[,MIN] such as 0.5,2,1e-5, got "${text}"`);
  }
  const s = { factor: parts[0]!, patience: parts[1]!, minLearningRate: parts[2] ?? 0 };
  assertPlateauSchedule(s);
  return s;
}

/** The learning rate after `epoch` ends; `reduced` says whether this epoch lowered it. */
export function plateauStep(
  schedule: PlateauSchedule,
  current: number,
  at: { readonly epoch: number; readonly bestEpoch: number; readonly lastReduction: number },
): { learningRate: number; reduced: boolean } {
  const stale = at.epoch - Math.max(at.bestEpoch, at.lastReduction);
  if (stale < schedule.patience || current <= schedule.minLearningRate) return { learningRate: current, reduced: false };
  return { learningRate: Math.max(current * schedule.factor, schedule.minLearningRate), reduced: true };
}

/** Sets the learning rate an Adam optimizer uses from its next step on (tfjs reads it at every update). */
export function setLearningRate(optimizer: tf.AdamOptimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

/** A schedule in words, for model cards and logs. */
export function describePlateauSchedule(s: PlateauSchedule): string {
  return `x${s.factor} after ${s.patience} epoch${s.patience > 1 ? "s" : ""} without a better validation accuracy (min ${s.minLearningRate})`;
}
