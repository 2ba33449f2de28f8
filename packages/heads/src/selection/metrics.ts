// The one accuracy of fer lives in @fer/preprocess; @fer/heads exports it too.
export { accuracy } from "@fer/preprocess";

/** K x K counts: `m[actual][predicted]`. */
export function confusionMatrix(predicted: ArrayLike<number>, actual: ArrayLike<number>, numClasses: number): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < actual.length; i++) m[actual[i]!]![predicted[i]!]! += 1;
  return m;
}
