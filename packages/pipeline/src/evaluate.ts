import { readdir } from "node:fs/promises";
import path from "node:path";
import { EMOTIONS } from "@fer/preprocess";
import { decodeImage, loadFolderDataset } from "@fer/preprocess/node";
import { FerDatasetError } from "@fer/preprocess";
import { hasImageExtension, mapBounded } from "./input.js";
import type { ModelsUsed, Pipeline } from "./pipeline.js";
import { classificationMetrics, type ClassMetrics } from "./report/metrics.js";

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
}

/** What `fer eval --json` prints. */
export interface EvaluationResult {
  /** Images evaluated (readable ones; with --detect, including those where no face was found). */
  readonly images: number;
  readonly accuracy: number;
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
  const { dataset, problems } = await loadFolderDataset(root, { size: pipeline.featuriser.faceSize, cache: options.cache ?? true });
  const map = labelMap(dataset.classes, pipeline.classes, root);
  const actual = Int32Array.from(dataset.labels, (l) => map[l] as number);
  const predicted = new Int32Array(dataset.count);
  const n = dataset.size * dataset.size;
  const chunk = 256;
  const started = performance.now();
  for (let start = 0; start < dataset.count; start += chunk) {
    const count = Math.min(chunk, dataset.count - start);
    const scores = await pipeline.classifyGrayBlock(dataset.pixels.subarray(start * n, (start + count) * n), count);
    scores.forEach((s, i) => {
      predicted[start + i] = pipeline.classes.indexOf(s.emotion);
    });
    options.onProgress?.(start + count, dataset.count);
  }
  const ms = performance.now() - started;
  return { actual, predicted, ms, faces: dataset.count, noFace: [] as string[], problems: problems.map((p) => ({ file: p.file, error: p.error.message })) };
}

async function listLabelled(root: string, classes: readonly string[]): Promise<Array<{ file: string; label: number }>> {
  let dirs;
  try {
    dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith("."));
  } catch (cause) {
    throw new FerDatasetError("unreadable-folder", root, (cause as NodeJS.ErrnoException).code ?? String(cause), { cause });
  }
  const out: Array<{ file: string; label: number }> = [];
  for (const cls of EMOTIONS) {
    if (!dirs.some((d) => d.name === cls)) continue;
    const label = classes.indexOf(cls);
    if (label < 0) throw new FerDatasetError("unknown-class-folder", path.join(root, cls), `the model's classes are ${classes.join(", ")}`);
    const files = (await readdir(path.join(root, cls))).filter((f) => !f.startsWith(".") && hasImageExtension(f)).sort();
    for (const f of files) out.push({ file: path.join(root, cls, f), label });
  }
  for (const d of dirs) {
    if (!(EMOTIONS as readonly string[]).includes(d.name)) {
      throw new FerDatasetError("unknown-class-folder", path.join(root, d.name), `"${d.name}" is not one of ${EMOTIONS.join(", ")}`);
    }
  }
  if (out.length === 0) throw new FerDatasetError("empty-dataset", root, "no class folder with images");
  return out;
}

async function evaluatePhotos(pipeline: Pipeline, root: string, options: EvaluateOptions) {
  const entries = await listLabelled(root, pipeline.classes);
  const actual: number[] = [];
  const predicted: number[] = [];
  const noFace: string[] = [];
  const problems: Array<{ file: string; error: string }> = [];
  let faces = 0;
  let done = 0;
  const started = performance.now();
  const results = mapBounded(entries, 2, async (e) => {
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
    if (r.faces.length === 0) {
      noFace.push(e.file);
      predicted.push(-1);
      continue;
    }
    faces++;
    const largest = r.faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
    predicted.push(pipeline.classes.indexOf(largest.emotion));
  }
  const ms = performance.now() - started;
  return { actual, predicted, ms, faces, noFace, problems };
}

/**
 * Evaluates a pipeline on a labelled folder `<root>/<class>/*` (any subset of the seven classes): accuracy, macro-F1,
 * per-class precision/recall/F1, confusion matrix over the pipeline's classes, and time per face.
 * @throws {FerDatasetError} `empty-dataset` when no image could be scored (all unreadable): there is no accuracy to give.
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
  return {
    images: run.actual.length,
    accuracy: m.accuracy,
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
