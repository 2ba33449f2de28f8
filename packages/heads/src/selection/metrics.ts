import { HeadError } from "../core/errors.js";

/** Fraction of `predicted` equal to `actual` (both class indices). */
export function accuracy(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (predicted.length !== actual.length || actual.length === 0) {
    throw new HeadError("bad-shape", `accuracy needs two equally long non-empty label lists (${predicted.length} vs ${actual.length})`);
  }
  let ok = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) ok++;
  return ok / actual.length;
}

/** K x K counts: `m[actual][predicted]`. */
export function confusionMatrix(predicted: ArrayLike<number>, actual: ArrayLike<number>, numClasses: number): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < actual.length; i++) m[actual[i]!]![predicted[i]!]! += 1;
  return m;
}
