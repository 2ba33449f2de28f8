import { readFile } from "node:fs/promises";
import { MIRROR_ID_SUFFIX } from "@fer/preprocess";

/** Thrown for a FER+ votes or teacher probabilities file that cannot be read as one; names the file and the cause. */
export class TargetsFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = "TargetsFileError";
  }
}

/** FER+'s vote columns, in the order of its CSV files. */
export const FERPLUS_COLUMNS = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF"] as const;

/** FER+'s names of the seven FER2013 emotions (the fer class names on the left). `contempt`, `unknown` and `NF` have none. */
export const FERPLUS_NAMES: Readonly<Record<string, string>> = {
  angry: "anger",
  disgust: "disgust",
  fear: "fear",
  happy: "happiness",
  neutral: "neutral",
  sad: "sadness",
  surprise: "surprise",
};

/**
 * FER+ crowd votes of a dataset's images, mapped onto its classes (in the dataset's class order).
 * `votes[i * classes + c]` counts the votes for class c of image i; `other[i]` the votes for contempt, unknown and NF;
 * `majority[i]` is FER+'s majority label (a unique top vote over all ten columns that is one of the classes) or -1;
 * `matched[i]` says whether the image has a row in the file.
 */
export interface FerPlusVotes {
  readonly classes: readonly string[];
  readonly count: number;
  readonly votes: Float32Array;
  readonly other: Float32Array;
  readonly majority: Int8Array;
  readonly matched: Uint8Array;
  /** Images without a row in the file. */
  readonly unmatched: number;
}

function key(id: string): string {
  return id.endsWith(MIRROR_ID_SUFFIX) ? id.slice(0, -MIRROR_ID_SUFFIX.length) : id;
}

/** The lines of a CSV file with a `file` column, or a TargetsFileError naming the file. */
async function csvLines(file: string, what: string): Promise<string[]> {
  try {
    return (await readFile(file, "utf8")).split(/\r?\n/).filter((l) => l.length > 0);
  } catch (e) {
    throw new TargetsFileError(file, `cannot read ${what} (${(e as Error).message})`);
  }
}

/** Adds a row under its path and under the path without its first folder (`train/angry/x.jpg` -> `angry/x.jpg`). */
function addRow<T>(rows: Map<string, T>, path: string, row: T): void {
  rows.set(path, row);
  const slash = path.indexOf("/");
  if (slash >= 0) rows.set(path.slice(slash + 1), row);
}

/**
 * Reads a FER+ votes file (`ferplus/train.csv` or `test.csv`: `file,neutral,...,NF`, `file` relative to `fer2013/`) for
 * the images `ids` of a dataset loaded from one of fer2013's folders (ids relative to that folder, e.g.
 * `angry/Training_1.jpg`, matched to the row whose file ends with `/<id>`; a mirrored copy takes its original's votes).
 */
export async function readFerPlusVotes(file: string, ids: readonly string[], classes: readonly string[]): Promise<FerPlusVotes> {
  const lines = await csvLines(file, "the FER+ votes");
  const header = lines[0]?.split(",") ?? [];
  if (header[0] !== "file" || FERPLUS_COLUMNS.some((c, i) => header[i + 1] !== c)) {
    throw new TargetsFileError(file, `not a FER+ votes file: the header must be file,${FERPLUS_COLUMNS.join(",")}`);
  }
  const columnOf = classes.map((c) => {
    const name = FERPLUS_NAMES[c];
    if (name === undefined) throw new TargetsFileError(file, `the dataset's class "${c}" has no FER+ column`);
    return FERPLUS_COLUMNS.indexOf(name as (typeof FERPLUS_COLUMNS)[number]);
  });
  const rows = new Map<string, number[]>();
  for (let l = 1; l < lines.length; l++) {
    const cells = lines[l]!.split(",");
    const counts = cells.slice(1).map(Number);
    if (cells.length !== FERPLUS_COLUMNS.length + 1 || counts.some((v) => !(Number.isInteger(v) && v >= 0))) {
      throw new TargetsFileError(file, `line ${l + 1} is not a file name and ${FERPLUS_COLUMNS.length} vote counts`);
    }
    addRow(rows, cells[0]!, counts);
  }
  const k = classes.length;
  const count = ids.length;
  const votes = new Float32Array(count * k);
  const other = new Float32Array(count);
  const majority = new Int8Array(count).fill(-1);
  const matched = new Uint8Array(count);
  let unmatched = 0;
  ids.forEach((id, i) => {
    const counts = rows.get(key(id));
    if (counts === undefined) {
      unmatched++;
      return;
    }
    matched[i] = 1;
    columnOf.forEach((col, c) => (votes[i * k + c] = counts[col]!));
    other[i] = FERPLUS_COLUMNS.reduce((s, name, col) => (columnOf.includes(col) ? s : s + counts[col]!), 0);
    const top = Math.max(...counts);
    const tops = counts.flatMap((v, col) => (v === top ? [col] : []));
    if (top > 0 && tops.length === 1) majority[i] = columnOf.indexOf(tops[0]!);
  });
  return { classes: [...classes], count, votes, other, majority, matched, unmatched };
}

/**
 * Image `i`'s crowd distribution over the classes, times `scale` (default 1): its votes for them divided by their sum
 * (contempt, unknown and NF votes dropped, the rest renormalised), written into `out` (length = classes). Returns
 * false and leaves `out` as it was when the image has no vote for any of the classes (unmatched, or all its votes
 * contempt/unknown/NF).
 */
export function ferPlusDistribution(votes: FerPlusVotes, i: number, out: Float64Array | Float32Array | number[], scale = 1): boolean {
  const k = votes.classes.length;
  let total = 0;
  for (let c = 0; c < k; c++) total += votes.votes[i * k + c]!;
  if (total <= 0) return false;
  for (let c = 0; c < k; c++) out[c] = (scale * votes.votes[i * k + c]!) / total;
  return true;
}

/** Accuracy against FER+'s majority labels, over the images that have one; the rest are counted, not scored. */
export function ferPlusAccuracy(predicted: ArrayLike<number>, votes: FerPlusVotes): { accuracy: number; scored: number; excluded: number } {
  let scored = 0;
  let hits = 0;
  for (let i = 0; i < votes.count; i++) {
    const m = votes.majority[i]!;
    if (m < 0) continue;
    scored++;
    if (predicted[i] === m) hits++;
  }
  return { accuracy: scored === 0 ? 0 : hits / scored, scored, excluded: votes.count - scored };
}

/**
 * A teacher's class probabilities per image, read from a CSV `file,<class>,<class>,...` (one row per image, `file` an
 * id of the dataset or a path ending with `/<id>`; columns named by class, in any order; each row sums to 1).
 */
export interface TeacherProbabilities {
  readonly count: number;
  /** [count, classes] in the dataset's class order; rows of unmatched images are zero. */
  readonly probabilities: Float32Array;
  readonly matched: Uint8Array;
  readonly unmatched: number;
}

/** Reads a teacher's probabilities (see {@link TeacherProbabilities}) for the images `ids`, classes in `classes`' order. */
export async function readTeacherProbabilities(file: string, ids: readonly string[], classes: readonly string[]): Promise<TeacherProbabilities> {
  const lines = await csvLines(file, "the teacher's probabilities");
  const header = lines[0]?.split(",") ?? [];
  if (header[0] !== "file") throw new TargetsFileError(file, `the header must be file,${classes.join(",")} (any class order)`);
  const columnOf = classes.map((c) => {
    const col = header.indexOf(c);
    if (col < 1) throw new TargetsFileError(file, `no column for class "${c}" (header: ${header.join(",")})`);
    return col;
  });
  const rows = new Map<string, number[]>();
  for (let l = 1; l < lines.length; l++) {
    const cells = lines[l]!.split(",");
    const p = columnOf.map((col) => Number(cells[col]));
    const sum = p.reduce((a, b) => a + b, 0);
    if (cells.length !== header.length || p.some((v) => !(v >= 0 && v <= 1)) || Math.abs(sum - 1) > 1e-3) {
      throw new TargetsFileError(file, `line ${l + 1} is not a file name and ${classes.length} probabilities summing to 1`);
    }
    addRow(rows, cells[0]!, p);
  }
  const k = classes.length;
  const probabilities = new Float32Array(ids.length * k);
  const matched = new Uint8Array(ids.length);
  let unmatched = 0;
  ids.forEach((id, i) => {
    const p = rows.get(id) ?? rows.get(key(id));
    if (p === undefined) {
      unmatched++;
      return;
    }
    matched[i] = 1;
    probabilities.set(p, i * k);
  });
  return { count: ids.length, probabilities, matched, unmatched };
}

/** Writes a teacher probabilities CSV that {@link readTeacherProbabilities} reads. */
export function formatTeacherProbabilities(ids: readonly string[], classes: readonly string[], probabilities: Float32Array): string {
  const k = classes.length;
  const lines = [`file,${classes.join(",")}`];
  ids.forEach((id, i) => lines.push(`${id},${Array.from(probabilities.subarray(i * k, (i + 1) * k), (v) => v.toPrecision(7)).join(",")}`));
  return `${lines.join("\n")}\n`;
}

/** How each training image's target distribution is made (see {@link buildTargets}). */
export interface TargetMix {
  /** Share of the FER+ vote distribution (over the 7 emotions, contempt/unknown/NF votes dropped). */
  readonly ferplusWeight: number;
  /** Share of the teacher's probabilities. */
  readonly teacherWeight: number;
  /** Label smoothing ε, applied last: t ← (1 - ε)·t + ε/K. */
  readonly labelSmoothing: number;
}

/**
 * Every training image's target: (1 - wF - wT)·one-hot(label) + wF·FER+ votes + wT·teacher, then label smoothing.
 * An image without FER+ votes for any of the 7 emotions (unmatched, or all its votes contempt/unknown/NF) gives its
 * FER+ share to its label; likewise an image the teacher file does not list. Returns [count, classes] floats and how
 * many images fell back to the label.
 */
export function buildTargets(
  labels: Uint8Array,
  classes: number,
  mix: TargetMix,
  ferplus?: FerPlusVotes,
  teacher?: TeacherProbabilities,
): { targets: Float32Array; ferplusFallback: number; teacherFallback: number } {
  const count = labels.length;
  const targets = new Float32Array(count * classes);
  let ferplusFallback = 0;
  let teacherFallback = 0;
  const crowd = new Float64Array(classes);
  for (let i = 0; i < count; i++) {
    const row = targets.subarray(i * classes, (i + 1) * classes);
    let own = 1;
    if (mix.ferplusWeight > 0 && ferplus !== undefined) {
      // Same float64 arithmetic as before this helper existed ((w * v) / total): resumed runs keep identical targets.
      if (ferPlusDistribution(ferplus, i, crowd, mix.ferplusWeight)) {
        for (let c = 0; c < classes; c++) row[c]! += crowd[c]!;
        own -= mix.ferplusWeight;
      } else ferplusFallback++;
    }
    if (mix.teacherWeight > 0 && teacher !== undefined) {
      if (teacher.matched[i] === 1) {
        for (let c = 0; c < classes; c++) row[c]! += mix.teacherWeight * teacher.probabilities[i * classes + c]!;
        own -= mix.teacherWeight;
      } else teacherFallback++;
    }
    row[labels[i]!]! += own;
    if (mix.labelSmoothing > 0) for (let c = 0; c < classes; c++) row[c] = (1 - mix.labelSmoothing) * row[c]! + mix.labelSmoothing / classes;
  }
  return { targets, ferplusFallback, teacherFallback };
}

/** Copies the target rows of `order[start..end)` into `out`. */
export function gatherTargets(targets: Float32Array, classes: number, order: Uint32Array, start: number, end: number, out: Float32Array): void {
  for (let b = 0, i = start; i < end; i++, b++) {
    const idx = order[i]!;
    out.set(targets.subarray(idx * classes, (idx + 1) * classes), b * classes);
  }
}
