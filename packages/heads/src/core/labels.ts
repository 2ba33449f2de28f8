import { HeadError } from "./errors.js";

/** Labels as class names or as integer indices into the head's `classes`. */
export type LabelsInput = readonly (string | number)[] | ArrayLike<number>;

/** Most classes any head supports (labels are stored as bytes). */
export const MAX_CLASSES = 255;

/** Throws `bad-parameter` unless `classes` is a non-empty list of distinct non-empty names (at most 255). */
export function checkClasses(classes: readonly string[]): void {
  if (!Array.isArray(classes) || classes.length < 2 || classes.length > MAX_CLASSES) {
    throw new HeadError("bad-parameter", `classes must list 2..${MAX_CLASSES} class names, got ${String(classes?.length)}`);
  }
  const seen = new Set<string>();
  for (const c of classes) {
    if (typeof c !== "string" || c.length === 0) throw new HeadError("bad-parameter", `class names must be non-empty strings`);
    if (seen.has(c)) throw new HeadError("bad-parameter", `class "${c}" is listed twice`);
    seen.add(c);
  }
}

/**
 * Converts labels to class indices (`Uint8Array`), checking each: a string must be one of `classes`,
 * a number must be an integer in `[0, classes.length)`. Throws `bad-shape` if the count is not `expected`
 * and `unknown-label` (naming the first bad label and its position) otherwise.
 */
export function encodeLabels(y: LabelsInput, classes: readonly string[], expected: number): Uint8Array {
  if (y === null || typeof y !== "object" || typeof (y as ArrayLike<unknown>).length !== "number") {
    throw new HeadError("bad-shape", "y must be an array of labels");
  }
  if (y.length !== expected) {
    throw new HeadError("bad-shape", `X has ${expected} feature vectors but y has ${y.length} labels`);
  }
  const index = new Map<string, number>();
  classes.forEach((c, i) => index.set(c, i));
  const out = new Uint8Array(expected);
  for (let i = 0; i < expected; i++) {
    const v = (y as ArrayLike<unknown>)[i];
    let k: number | undefined;
    if (typeof v === "string") k = index.get(v);
    else if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < classes.length) k = v;
    if (k === undefined) {
      throw new HeadError(
        "unknown-label",
        `y[${i}] = ${JSON.stringify(v)} is not one of the classes [${classes.join(", ")}] nor an index 0..${classes.length - 1}`,
      );
    }
    out[i] = k;
  }
  return out;
}

/** Number of samples of each class in `y` (length `numClasses`). */
export function classCounts(y: ArrayLike<number>, numClasses: number): Int32Array {
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < y.length; i++) counts[y[i] as number]! += 1;
  return counts;
}
