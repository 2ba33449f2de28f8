import { HeadError } from "../core/errors.js";
import { Rng } from "../core/random.js";

/** One train/test split of sample indices. */
export interface Split {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

function byClass(labels: ArrayLike<number>, rng: Rng): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    let g = groups.get(l);
    if (!g) groups.set(l, (g = []));
    g.push(i);
  }
  for (const g of groups.values()) rng.shuffle(g);
  return new Map([...groups.entries()].sort((a, b) => a[0] - b[0]));
}

/**
 * Stratified k-fold cross-validation splits (like scikit-learn's StratifiedKFold with shuffling): the samples of
 * each class are shuffled with `seed` and dealt round-robin into the folds, so every fold keeps the class
 * proportions. Fold f's test set is its own samples, its training set all others.
 */
export function stratifiedKFold(labels: ArrayLike<number>, folds: number, seed = 0): Split[] {
  if (!Number.isInteger(folds) || folds < 2) throw new HeadError("bad-parameter", `folds must be an integer >= 2, got ${folds}`);
  if (labels.length < folds) throw new HeadError("bad-shape", `${labels.length} samples cannot be split into ${folds} folds`);
  const fold = new Int32Array(labels.length);
  let offset = 0;
  for (const g of byClass(labels, new Rng(seed)).values()) {
    g.forEach((idx, j) => (fold[idx] = (offset + j) % folds));
    offset = (offset + g.length) % folds;
  }
  const splits: Split[] = [];
  for (let f = 0; f < folds; f++) {
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < labels.length; i++) (fold[i] === f ? test : train).push(i);
    splits.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return splits;
}
