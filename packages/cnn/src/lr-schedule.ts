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


/** A schedule in words, for model cards and logs. */
export function describePlateauSchedule(s: PlateauSchedule): string {
  return `x${s.factor} after ${s.patience} epoch${s.patience > 1 ? "s" : ""} without a better validation accuracy (min ${s.minLearningRate})`;
}

/**
 * A learning rate set at every batch from the run's position (so a resumed run repeats it exactly):
 * - `cosine`: linear warm-up from 0 to the base rate over `warmupEpochs`, then half a cosine down to `minLearningRate`
 *   at the end of the run's last epoch (SGDR without restarts, Loshchilov & Hutter 2017, with Goyal et al.'s warm-up);
 * - `one-cycle`: linear warm-up from base/`divFactor` to the base rate over `warmupEpochs`, then half a cosine down to
 *   base/(`divFactor`·`finalDivFactor`) (Smith & Topin 2019; PyTorch's OneCycleLR with a linear first phase).
 * The rate depends on the run's total epochs, which become part of the run's identity.
 */
export type BatchSchedule =
  | { readonly kind: "cosine"; readonly warmupEpochs: number; readonly minLearningRate: number }
  | { readonly kind: "one-cycle"; readonly warmupEpochs: number; readonly divFactor: number; readonly finalDivFactor: number };

/** Names of the batch schedules. */
export const BATCH_SCHEDULES = ["cosine", "one-cycle"] as const;

/** Checks a batch schedule's numbers, throwing a RangeError that names the bad one. */
export function assertBatchSchedule(s: BatchSchedule, epochs: number): void {
  if (!(s.warmupEpochs >= 0 && s.warmupEpochs < epochs)) throw new RangeError(`warm-up must be >= 0 epochs and under the run's ${epochs}, got ${s.warmupEpochs}`);
  if (s.kind === "cosine") {
    if (!(s.minLearningRate >= 0)) throw new RangeError(`the minimum learning rate must be >= 0, got ${s.minLearningRate}`);
  } else if (!(s.divFactor >= 1 && s.finalDivFactor >= 1)) {
    throw new RangeError(`one-cycle's divFactor and finalDivFactor must be >= 1, got ${s.divFactor} and ${s.finalDivFactor}`);
  } else if (s.kind !== "one-cycle") {
    throw new RangeError(`unknown schedule ${String((s as { kind: unknown }).kind)}`);
  }
}

/**
 * The learning rate of batch `step` (0-based over the whole run) of `totalSteps`, with `stepsPerEpoch` batches per epoch
 * and base (peak) rate `base`.
 */
export function batchLearningRate(s: BatchSchedule, base: number, step: number, totalSteps: number, stepsPerEpoch: number): number {
  const warm = Math.round(s.warmupEpochs * stepsPerEpoch);
  const start = s.kind === "cosine" ? 0 : base / s.divFactor;
  const end = s.kind === "cosine" ? s.minLearningRate : base / (s.divFactor * s.finalDivFactor);
  if (step < warm) return start + ((base - start) * (step + 1)) / warm;
  const span = Math.max(totalSteps - warm - 1, 1);
  const progress = Math.min((step - warm) / span, 1);
  return end + (base - end) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** A batch schedule in words, for model cards and logs. */
export function describeBatchSchedule(s: BatchSchedule): string {
  return s.kind === "cosine"
    ? `cosine to ${s.minLearningRate} after ${s.warmupEpochs} epoch(s) of linear warm-up from 0, set every batch`
    : `one-cycle: linear warm-up from base/${s.divFactor} over ${s.warmupEpochs} epoch(s), then cosine to base/${s.divFactor * s.finalDivFactor}, set every batch`;
}
