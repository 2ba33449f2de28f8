import { access, readdir } from "node:fs/promises";
import path from "node:path";
import { ferPlusAccuracy, ferPlusDistribution, readFerPlusVotes } from "@fer/cnn";
import { EMOTIONS } from "@fer/preprocess";
import { decodeImage, loadFolderDataset } from "@fer/preprocess/node";
import { FerDatasetError } from "@fer/preprocess";
import { hasImageExtension, mapBounded } from "./input.js";
import type { ModelsUsed, Pipeline } from "./pipeline.js";
import { calibrationOfRun, classificationMetrics, type ClassMetrics } from "./report/metrics.js";
import type { CalibrationError } from "@fer/heads";

/** Options of {@link evaluateFolder}. */
export interface EvaluateOptions {
  /**
   * false (default): every image is already a face crop (the FER2013 layout) and is classified whole.
   * true: every image is a photo; the largest detected face is classified, and images with no face count as errors.
   */
  readonly detect?: boolean;
  /** Called as images are classified. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Use the dataset cache of `@fer/preprocess` for crop folders (default true). */
  readonly cache?: boolean;
  /**
   * FER+ crowd votes of the dataset's images: a FER+ CSV (`file,neutral,happiness,...,NF`, rows keyed by a path
   * ending with `<class>/<file>`, as in fer2013's `ferplus/` folder), or false for none. Default: the file
   * `<parent of the dataset folder>/ferplus/<dataset folder name>.csv` when it exists (fer2013/test -> ferplus/test.csv).
   */
  readonly votes?: string | false;
  /**
   * Stops the evaluation: no new image is started, the ones in flight finish, and {@link evaluateFolder} throws the
   * signal's reason instead of returning metrics (the images are in class-folder order: a part is not the dataset).
   */
  readonly signal?: AbortSignal;
}

/** The scores against FER+'s crowd votes (see {@link EvaluationResult.ferplus}). */
export interface FerPlusEvaluation {
  /** The votes file read. */
  readonly file: string;
  /** Evaluated images with a row in the file; the others are counted in `unmatched` and scored on nothing here. */
  readonly matched: number;
  readonly unmatched: number;
  /**
   * Accuracy against FER+'s majority label (FER+'s rule, `readFerPlusVotes` of `@fer/cnn`: a unique top vote over all
   * ten columns that is one of the 7 emotions), over the `majorityScored` images that have one; the other
   * `majorityExcluded` (unmatched, tied top vote, or top vote contempt/unknown/NF) are excluded. A face not found
   * (--detect) counts as an error.
   */
  readonly majorityAccuracy: number;
  readonly majorityScored: number;
  readonly majorityExcluded: number;
  /**
   * Mean cross-entropy (nats) of the predicted probabilities against the crowd's distribution over the 7 emotions
   * (contempt, unknown and NF votes dropped, the rest renormalised: `ferPlusDistribution` of `@fer/cnn`); each
   * probability is clamped at 1e-7 below. Over the `crossEntropyScored` images with at least one emotion vote and a
   * prediction; the other `crossEntropyExcluded` (unmatched, no emotion vote, or no face found) are excluded.
   */
  readonly crossEntropy: number;
  readonly crossEntropyScored: number;
  readonly crossEntropyExcluded: number;
}

/** Probabilities are clamped at this before the log of the cross-entropy (a 0 would give an infinite loss). */
export const CROSS_ENTROPY_FLOOR = 1e-7;

/** What `fer eval --json` prints. */
export interface EvaluationResult {
  /** Images evaluated (readable ones; with --detect, including those where no face was found). */
  readonly images: number;
  readonly accuracy: number;
  /** Share of images whose label is one of the two most probable classes (a face not found counts as a miss). */
  readonly top2Accuracy: number;
  /** Scores against the FER+ crowd votes (see {@link EvaluateOptions.votes}), or null without a votes file. */
  readonly ferplus: FerPlusEvaluation | null;
  /**
   * Top-label calibration of the probabilities: expected calibration error over 15 equal-width confidence bins
   * (`ece`, in [0, 1]), the largest bin gap, and the bins of the reliability diagram; images with no face found are
   * left out.
   */
  readonly calibration: CalibrationError;
  readonly macroF1: number;
  readonly perClass: Record<string, ClassMetrics>;
  /** `confusion[actual][predicted]`, in the order of `classes`. */
  readonly confusion: number[][];
  readonly classes: readonly string[];
  /** Wall time of classification (with --detect: of detection + classification) per face, in ms. */
  readonly msPerFace: number;
  /** With --detect: the images where no face was found (counted as errors). */
  readonly noFace: string[];
  /** Support-weighted precision, recall and F1. */
  readonly weighted: { readonly precision: number; readonly recall: number; readonly f1: number; readonly support: number };
  readonly actualCounts: number[];
  readonly predictedCounts: number[];
  /** Files that could not be read (skipped). */
  readonly problems: Array<{ file: string; error: string }>;
  readonly models: ModelsUsed;
  readonly dataset: string;
  readonly detect: boolean;
}

function labelMap(datasetClasses: readonly string[], modelClasses: readonly string[], root: string): number[] {
  return datasetClasses.map((c) => {
    const i = modelClasses.indexOf(c);
    if (i < 0) throw new FerDatasetError("unknown-class-folder", path.join(root, c), `the model's classes are ${modelClasses.join(", ")}`);
    return i;
  });
}

async function evaluateCrops(pipeline: Pipeline, root: string, options: EvaluateOptions) {
  const { dataset, problems } = await loadFolderDataset(root, {
    size: pipeline.featuriser.faceSize,
    cache: options.cache ?? true,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  const map = labelMap(dataset.classes, pipeline.classes, root);
  const actual = Int32Array.from(dataset.labels, (l) => map[l] as number);
  const predicted = new Int32Array(dataset.count);
  const k = pipeline.classes.length;
  const probabilities = new Float32Array(dataset.count * k);
  const n = dataset.size * dataset.size;
  const chunk = 256;
  const started = performance.now();
  for (let start = 0; start < dataset.count; start += chunk) {
    options.signal?.throwIfAborted();
    const count = Math.min(chunk, dataset.count - start);
    const scores = await pipeline.classifyGrayBlock(dataset.pixels.subarray(start * n, (start + count) * n), count);
    scores.forEach((s, i) => {
      predicted[start + i] = pipeline.classes.indexOf(s.emotion);
      pipeline.classes.forEach((c, j) => (probabilities[(start + i) * k + j] = s.scores[c] ?? 0));
    });
    options.onProgress?.(start + count, dataset.count);
  }
  const ms = performance.now() - started;
  return {
    actual,
    predicted,
    probabilities,
    ids: dataset.ids,
    ms,
    faces: dataset.count,
    noFace: [] as string[],
    problems: problems.map((p) => ({ file: p.file, error: p.error.message })),
  };
}

/** The images of `<root>/<class>/*`; a class folder that cannot be listed is a problem (its images skipped), not the end. */
async function listLabelled(root: string, classes: readonly string[]): Promise<{ entries: Array<{ file: string; label: number }>; problems: Array<{ file: string; error: string }> }> {
  let dirs;
  try {
    dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith("."));
  } catch (cause) {
    throw new FerDatasetError("unreadable-folder", root, (cause as NodeJS.ErrnoException).code ?? String(cause), { cause });
  }
  const out: Array<{ file: string; label: number }> = [];
  const problems: Array<{ file: string; error: string }> = [];
  for (const cls of EMOTIONS) {
    if (!dirs.some((d) => d.name === cls)) continue;
    const label = classes.indexOf(cls);
    if (label < 0) throw new FerDatasetError("unknown-class-folder", path.join(root, cls), `the model's classes are ${classes.join(", ")}`);
    const dir = path.join(root, cls);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
      problems.push({ file: dir, error: new FerDatasetError("unreadable-folder", dir, `${code}; its images are skipped`, { cause }).message });
      continue;
    }
    const files = names.filter((f) => !f.startsWith(".") && hasImageExtension(f)).sort();
    for (const f of files) out.push({ file: path.join(root, cls, f), label });
  }
  for (const d of dirs) {
    if (!(EMOTIONS as readonly string[]).includes(d.name)) {
      throw new FerDatasetError("unknown-class-folder", path.join(root, d.name), `"${d.name}" is not one of ${EMOTIONS.join(", ")}`);
    }
  }
  if (out.length === 0 && problems.length === 0) throw new FerDatasetError("empty-dataset", root, "no class folder with images");
  return { entries: out, problems };
}

async function evaluatePhotos(pipeline: Pipeline, root: string, options: EvaluateOptions) {
  const { entries, problems } = await listLabelled(root, pipeline.classes);
  const actual: number[] = [];
  const predicted: number[] = [];
  const probabilities: number[] = [];
  const ids: string[] = [];
  const noFace: string[] = [];
  let faces = 0;
  let done = 0;
  const started = performance.now();
  // After a stop no new image is handed out; the ones in flight finish.
  function* untilStopped(): Generator<{ file: string; label: number }> {
    for (const e of entries) {
      if (options.signal?.aborted) return;
      yield e;
    }
  }
  const results = mapBounded(untilStopped(), 2, async (e) => {
    try {
      const image = await decodeImage(e.file);
      const r = await pipeline.analyzeImage(image, e.file);
      return { e, r };
    } catch (err) {
      return { e, err: err as Error };
    }
  });
  for await (const { e, r, err } of results) {
    options.onProgress?.(++done, entries.length);
    if (err !== undefined || r === undefined) {
      problems.push({ file: e.file, error: err?.message ?? "unknown error" });
      continue;
    }
    actual.push(e.label);
    ids.push(path.relative(root, e.file).split(path.sep).join("/"));
    if (r.faces.length === 0) {
      noFace.push(e.file);
      predicted.push(-1);
      probabilities.push(...pipeline.classes.map(() => 0));
      continue;
    }
    faces++;
    const largest = r.faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
    predicted.push(pipeline.classes.indexOf(largest.emotion));
    probabilities.push(...pipeline.classes.map((c) => largest.scores[c] ?? 0));
  }
  options.signal?.throwIfAborted();
  const ms = performance.now() - started;
  return { actual, predicted, probabilities, ids, ms, faces, noFace, problems };
}

/**
 * Share of images whose actual class is among the two most probable (`probabilities`: [images, classes]); an image
 * predicted -1 (no face found) is a miss. Ties are broken towards the lower class index, like the argmax.
 */
export function top2Accuracy(actual: ArrayLike<number>, predicted: ArrayLike<number>, probabilities: ArrayLike<number>, classes: number): number {
  if (actual.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < actual.length; i++) {
    if ((predicted[i] as number) < 0) continue;
    let first = -1;
    let second = -1;
    for (let c = 0; c < classes; c++) {
      const p = probabilities[i * classes + c] as number;
      if (first < 0 || p > (probabilities[i * classes + first] as number)) {
        second = first;
        first = c;
      } else if (second < 0 || p > (probabilities[i * classes + second] as number)) second = c;
    }
    if (actual[i] === first || actual[i] === second) hits++;
  }
  return hits / actual.length;
}

/** `<parent>/ferplus/<name>.csv` beside the dataset folder `<parent>/<name>`, if that file exists. */
async function votesBeside(root: string): Promise<string | undefined> {
  const file = path.join(path.dirname(root), "ferplus", `${path.basename(root)}.csv`);
  try {
    await access(file);
    return file;
  } catch {
    return undefined;
  }
}

/**
 * Scores predictions against FER+ crowd votes read from `file` for the images `ids` (relative to the dataset folder,
 * `<class>/<file>`): accuracy against the majority label and cross-entropy against the crowd's distribution, with FER+'s
 * rules as `@fer/cnn` implements them (see {@link FerPlusEvaluation}).
 * @throws {TargetsFileError} (of `@fer/cnn`) naming the file when it cannot be read as FER+ votes.
 */
export async function scoreAgainstFerPlus(
  file: string,
  ids: readonly string[],
  classes: readonly string[],
  predicted: ArrayLike<number>,
  probabilities: ArrayLike<number>,
): Promise<FerPlusEvaluation> {
  const votes = await readFerPlusVotes(file, ids, classes);
  const majority = ferPlusAccuracy(predicted, votes);
  const k = classes.length;
  const crowd = new Float64Array(k);
  let loss = 0;
  let scored = 0;
  for (let i = 0; i < ids.length; i++) {
    if ((predicted[i] as number) < 0 || !ferPlusDistribution(votes, i, crowd)) continue;
    for (let c = 0; c < k; c++) {
      if (crowd[c]! > 0) loss -= crowd[c]! * Math.log(Math.max(probabilities[i * k + c] as number, CROSS_ENTROPY_FLOOR));
    }
    scored++;
  }
  return {
    file,
    matched: votes.count - votes.unmatched,
    unmatched: votes.unmatched,
    majorityAccuracy: majority.accuracy,
    majorityScored: majority.scored,
    majorityExcluded: majority.excluded,
    crossEntropy: scored === 0 ? 0 : loss / scored,
    crossEntropyScored: scored,
    crossEntropyExcluded: ids.length - scored,
  };
}

/**
 * Evaluates a pipeline on a labelled folder `<root>/<class>/*` (any subset of the seven classes): accuracy, macro-F1,
 * per-class precision/recall/F1, confusion matrix over the pipeline's classes, top-2 accuracy, time per face, and, with
 * FER+ votes for the images (see {@link EvaluateOptions.votes}), the accuracy against the crowd's majority and the
 * cross-entropy against its distribution.
 * @throws {FerDatasetError} `empty-dataset` when no image could be scored (all unreadable): there is no accuracy to give.
 * @throws {TargetsFileError} (of `@fer/cnn`) when the votes file cannot be read as FER+ votes.
 * @throws the reason of {@link EvaluateOptions.signal} when it was aborted.
 */
export async function evaluateFolder(pipeline: Pipeline, root: string, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  const abs = path.resolve(root);
  const detect = options.detect ?? false;
  const run = detect ? await evaluatePhotos(pipeline, abs, options) : await evaluateCrops(pipeline, abs, options);
  if (run.actual.length === 0) {
    const first = run.problems[0];
    throw new FerDatasetError(
      "empty-dataset",
      abs,
      `none of its ${run.problems.length} images could be scored${first !== undefined ? `; the first: ${first.error}` : ""}: an evaluation of nothing has no accuracy, fix or replace the files`,
    );
  }
  const m = classificationMetrics(pipeline.classes, run.actual, run.predicted);
  const votes = options.votes === undefined ? await votesBeside(abs) : options.votes === false ? undefined : path.resolve(options.votes);
  const ferplus = votes === undefined ? null : await scoreAgainstFerPlus(votes, run.ids, pipeline.classes, run.predicted, run.probabilities);
  return {
    images: run.actual.length,
    accuracy: m.accuracy,
    top2Accuracy: top2Accuracy(run.actual, run.predicted, run.probabilities, pipeline.classes.length),
    ferplus,
    calibration: calibrationOfRun(run.actual, run.predicted, run.probabilities, pipeline.classes.length),
    macroF1: m.macroF1,
    perClass: m.perClass,
    confusion: m.confusion,
    classes: m.classes,
    msPerFace: run.faces === 0 ? 0 : run.ms / run.faces,
    noFace: run.noFace,
    weighted: m.weighted,
    actualCounts: m.actualCounts,
    predictedCounts: m.predictedCounts,
    problems: run.problems,
    models: pipeline.models,
    dataset: abs,
    detect,
  };
}
