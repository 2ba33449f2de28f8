import { seededRandom, shuffleInPlace } from "./random.js";

/** Options of {@link stratifiedSplit}. */
export interface SplitOptions {
  /** Fraction of every class that goes to `validation` (0..1), e.g. 0.1. */
  fraction: number;
  /** Seed of the deterministic shuffle: the same labels, fraction and seed always give the same split. */
  seed: number;
}

/**
 * Splits indices `0..labels.length-1` into train and validation so that every class keeps its proportion:
 * each class's indices are shuffled with a seeded PRNG and `round(fraction * classSize)` of them go to
 * validation. Both outputs are sorted ascending and together cover every index exactly once. fer's one split: the CNN's
 * validation images (its card's `validationFraction` and `seed`) and the heads' validation sets come from it.
 */
export function stratifiedSplit(labels: ArrayLike<number>, options: SplitOptions): { train: Uint32Array; validation: Uint32Array } {
  const { fraction, seed } = options;
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`stratifiedSplit: fraction must be in [0, 1], got ${fraction}`);
  if (!Number.isFinite(seed)) throw new RangeError(`stratifiedSplit: seed must be a finite number, got ${seed}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    let list = byClass.get(l);
    if (!list) byClass.set(l, (list = []));
    list.push(i);
  }
  const random = seededRandom(seed);
  const isValidation = new Uint8Array(labels.length);
  let nValidation = 0;
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = Uint32Array.from(byClass.get(label)!);
    shuffleInPlace(idx, random);
    const take = Math.round(fraction * idx.length);
    for (let k = 0; k < take; k++) isValidation[idx[k]!] = 1;
    nValidation += take;
  }
  const train = new Uint32Array(labels.length - nValidation);
  const validation = new Uint32Array(nValidation);
  let t = 0;
  let v = 0;
  for (let i = 0; i < labels.length; i++) {
    if (isValidation[i]) validation[v++] = i;
    else train[t++] = i;
  }
  return { train, validation };
}
