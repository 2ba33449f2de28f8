import { createProgressBar } from "@fer/runtime";
import { annotate, createPipeline, expandImageInputs, saveImageAs, type AnalysisResult, type BatchInput } from "@fer/pipeline";
import { parseCommandArgs, PIPELINE_FLAGS, PIPELINE_FLAGS_HELP, pipelineOptionsFromFlags, reportFailure, SIGNAL_EXIT, stopOnSignals, UsageError } from "./options.js";
import { OutputFolder } from "./output-folder.js";

const HELP = `usage: fer analyze <image|folder>... [options]

Finds the faces in each image, classifies each face's emotion and writes annotated images into --out.
Folders are searched recursively for images (regular files only). Unreadable files and folders are reported on
stderr (and with an "error" field in the JSON) and the rest go on; the exit code is 1 when anything failed.
Annotated images never replace an input or each other: a taken name gets "-2", "-3"... (said on stderr). Each
is written to a temporary file and renamed, so it is complete or absent. On SIGINT/SIGTERM no new image is started,
the ones in flight are finished and written, the results so far are printed, and the exit code is 130/143.
${PIPELINE_FLAGS_HELP}
  --out DIR               write annotated images (boxes, emotion and score) into DIR (created if missing)
  --format png|jpeg       format of the annotated images (default png)
  --json                  print one JSON array to stdout at the end:
                          [{file, width, height, faces: [{box: {x, y, width, height}, emotion, confidence, scores: {...}}],
                          output?, outputError?}] ("output": the annotated image written; "error" for unreadable inputs)
  --jsonl                 print the same entries as JSON Lines: one line per image as soon as it is done (and
                          after its annotated image is written)
  --concurrency N         images in flight at once (default 2)`;

/** The JSON entry of one analysed file, as `fer analyze --json` prints it. */
export interface AnalyzeJsonEntry {
  file: string;
  width?: number;
  height?: number;
  faces?: Array<{ box: { x: number; y: number; width: number; height: number }; emotion: string; confidence: number; scores: Record<string, number> }>;
  /** The input could not be analysed. */
  error?: string;
  /** The annotated image written for it (with `--out`). */
  output?: string;
  /** Why its annotated image could not be written (the analysis itself is valid). */
  outputError?: string;
}

/** Turns an analysis result into its `--json` entry. */
export function toJsonEntry(r: AnalysisResult): AnalyzeJsonEntry {
  return {
    file: r.file,
    width: r.width,
    height: r.height,
    faces: r.faces.map((f) => ({ box: { ...f.box }, emotion: f.emotion, confidence: f.confidence, scores: f.scores })),
  };
}

/** `fer analyze <image|folder>... [--out DIR] [--json] ...`. */
export async function analyzeCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("analyze", HELP, {
    args: argv,
    allowPositionals: true,
    options: {
      ...PIPELINE_FLAGS,
      out: { type: "string" },
      format: { type: "string", default: "png" },
      json: { type: "boolean", default: false },
      jsonl: { type: "boolean", default: false },
      concurrency: { type: "string", default: "2" },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  let pipeline;
  const stop = stopOnSignals("analyze", "finishing the images in flight");
  try {
    if (positionals.length === 0) throw new UsageError(`no image or folder given\n${HELP}`);
    if (values.format !== "png" && values.format !== "jpeg") throw new UsageError(`--format must be png or jpeg, got "${values.format}"`);
    if (values.json && values.jsonl) throw new UsageError("give --json (one array at the end) or --jsonl (one line per image), not both");
    const concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a positive integer`);
    if (values.out !== undefined) await OutputFolder.check(values.out);
    pipeline = await createPipeline(pipelineOptionsFromFlags(values));
    const inputs = await expandImageInputs(positionals);
    if (inputs.length === 0) throw new UsageError(`no image files in ${positionals.join(", ")}`);
    const out = values.out === undefined ? undefined : await OutputFolder.open(values.out, inputs.filter((i): i is string => typeof i === "string"));
    if (out?.error !== undefined) process.stderr.write(`fer analyze: ${out.error}: no annotated image is written; the analysis goes on\n`);
    const ext = values.format === "png" ? "png" : "jpg";
    const entries: AnalyzeJsonEntry[] = [];
    const bar = inputs.length > 1 && !values.jsonl ? createProgressBar({ label: "analyze", total: inputs.length, unit: "img" }) : undefined;
    let failed = 0;
    let done = 0;
    // Inputs are handed out one by one; after a signal none is, and the batch ends with the ones in flight.
    function* untilStopped(): Generator<BatchInput> {
      for (const input of inputs) {
        if (stop.signal !== undefined) return;
        yield input;
      }
    }
    for await (const item of pipeline.analyzeEach(untilStopped(), { concurrency, keepImages: out !== undefined && out.error === undefined })) {
      bar?.update(++done);
      let entry: AnalyzeJsonEntry;
      if (item.error !== undefined) {
        failed++;
        process.stderr.write(`fer analyze: ${item.error.message.startsWith(item.file) ? "" : `${item.file}: `}${item.error.message}\n`);
        entry = { file: item.file, error: item.error.message };
      } else {
        const r = item.result;
        entry = toJsonEntry(r);
        if (out !== undefined) {
          // The annotated image is written before the result is printed: a printed line means its image is complete.
          const name = out.nameFor(r.file, ext);
          if (name.renamed !== undefined) process.stderr.write(`fer analyze: ${name.renamed}: the annotated image is ${name.path}\n`);
          try {
            if (out.error !== undefined || item.image === undefined) throw new Error(out.error ?? "no image kept");
            await saveImageAs(annotate(item.image, r.faces), name.path);
            entry.output = name.path;
          } catch (e) {
            failed++;
            entry.outputError = out.error ?? `cannot write ${name.path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
            if (out.error === undefined) process.stderr.write(`fer analyze: ${r.file}: ${entry.outputError}\n`);
          }
        }
        if (!values.json && !values.jsonl) {
          const faces = r.faces.map((f) => `${f.emotion} ${(f.confidence * 100).toFixed(0)}% at ${f.box.x},${f.box.y} ${f.box.width}x${f.box.height}`);
          process.stdout.write(
            r.faces.length === 0 ? `no face found in ${r.file}\n` : `${r.file}: ${r.faces.length} face${r.faces.length === 1 ? "" : "s"}: ${faces.join("; ")}\n`,
          );
        } else if (r.faces.length === 0) process.stderr.write(`fer analyze: no face found in ${r.file}\n`);
      }
      if (values.jsonl) process.stdout.write(`${JSON.stringify(entry)}\n`);
      else if (values.json) entries.push(entry);
    }
    bar?.finish(failed > 0 ? `${failed} failed` : "");
    if (values.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    if (stop.signal !== undefined) {
      process.stderr.write(
        `fer analyze: stopped by ${stop.signal} after ${done} of ${inputs.length} images; their results are above${out !== undefined ? ` and their annotated images in ${out.dir}` : ""}\n`,
      );
      return SIGNAL_EXIT[stop.signal] ?? 1;
    }
    if (!values.json && !values.jsonl) {
      const { detector, featuriser, head, mirrorAverage, engines } = pipeline.models;
      const on = (engine: string | undefined): string => (engine === undefined ? "" : ` (${engine})`);
      process.stderr.write(
        `models: ${detector} detector${on(engines.detector)}, ${featuriser}${on(engines.featuriser)}, head ${head}${mirrorAverage ? " averaged with mirror images" : ""}\n`,
      );
    }
    return failed > 0 ? 1 : 0;
  } catch (e) {
    return reportFailure("analyze", e);
  } finally {
    pipeline?.dispose(); // freeing the models takes a moment: a signal meanwhile changes nothing
    stop.dispose();
  }
}
