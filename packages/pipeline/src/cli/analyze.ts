import { mkdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { createProgressBar } from "@fer/cnn";
import { saveImageAs } from "../annotate.js";
import { annotate } from "../annotate.js";
import { expandImagePaths } from "../input.js";
import { createPipeline, type AnalysisResult } from "../pipeline.js";
import { PIPELINE_FLAGS, PIPELINE_FLAGS_HELP, pipelineOptionsFromFlags, reportFailure, UsageError } from "./options.js";

const HELP = `usage: fer analyze <image|folder>... [options]

Finds the faces in each image, classifies each face's emotion and writes annotated images into --out.
Folders are searched recursively for images. Unreadable files are reported on stderr (and with an "error"
field in the JSON) and the rest go on; the exit code is 1 when any file failed.
${PIPELINE_FLAGS_HELP}
  --out DIR               write annotated images (boxes, emotion and score) into DIR
  --format png|jpeg       format of the annotated images (default png)
  --json                  print one JSON array to stdout:
                          [{file, width, height, faces: [{box: {x, y, width, height}, emotion, confidence, scores: {...}}]}]
  --concurrency N         images in flight at once (default 2)`;

/** The JSON entry of one analysed file, as `fer analyze --json` prints it. */
export interface AnalyzeJsonEntry {
  file: string;
  width?: number;
  height?: number;
  faces?: Array<{ box: { x: number; y: number; width: number; height: number }; emotion: string; confidence: number; scores: Record<string, number> }>;
  error?: string;
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

/** An output name that is not taken yet: `<base>.<ext>`, else `<base>-2.<ext>`, ... */
function uniqueName(base: string, ext: string, taken: Set<string>): string {
  let name = `${base}.${ext}`;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}.${ext}`;
  taken.add(name);
  return name;
}

/** `fer analyze <image|folder>... [--out DIR] [--json] ...`. */
export async function analyzeCommand(argv: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...PIPELINE_FLAGS,
        out: { type: "string" },
        format: { type: "string", default: "png" },
        json: { type: "boolean", default: false },
        concurrency: { type: "string", default: "2" },
      },
    }));
  } catch (e) {
    process.stderr.write(`fer analyze: ${(e as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  let pipeline;
  try {
    if (positionals.length === 0) throw new UsageError(`no image or folder given\n${HELP}`);
    if (values.format !== "png" && values.format !== "jpeg") throw new UsageError(`--format must be png or jpeg, got "${values.format}"`);
    const concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a positive integer`);
    pipeline = await createPipeline(pipelineOptionsFromFlags(values));
    const files = await expandImagePaths(positionals);
    if (files.length === 0) throw new UsageError(`no image files in ${positionals.join(", ")}`);
    if (values.out !== undefined) await mkdir(values.out, { recursive: true });
    const ext = values.format === "png" ? "png" : "jpg";
    const taken = new Set<string>();
    const entries: AnalyzeJsonEntry[] = [];
    const bar = files.length > 1 ? createProgressBar({ label: "analyze", total: files.length, unit: "img" }) : undefined;
    let failed = 0;
    let done = 0;
    for await (const item of pipeline.analyzeEach(files, { concurrency, keepImages: values.out !== undefined })) {
      bar?.update(++done);
      if (item.error !== undefined) {
        failed++;
        process.stderr.write(`fer analyze: ${item.file}: ${item.error.message}\n`);
        entries.push({ file: item.file, error: item.error.message });
        continue;
      }
      const r = item.result;
      entries.push(toJsonEntry(r));
      if (!values.json) {
        const faces = r.faces.map((f) => `${f.emotion} ${(f.confidence * 100).toFixed(0)}% at ${f.box.x},${f.box.y} ${f.box.width}x${f.box.height}`);
        process.stdout.write(
          r.faces.length === 0 ? `no face found in ${r.file}\n` : `${r.file}: ${r.faces.length} face${r.faces.length === 1 ? "" : "s"}: ${faces.join("; ")}\n`,
        );
      } else if (r.faces.length === 0) process.stderr.write(`fer analyze: no face found in ${r.file}\n`);
      if (values.out !== undefined && item.image !== undefined) {
        const name = uniqueName(path.basename(r.file, path.extname(r.file)), ext, taken);
        await saveImageAs(annotate(item.image, r.faces), path.join(values.out, name));
      }
    }
    bar?.finish(failed > 0 ? `${failed} failed` : "");
    if (values.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    else {
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
    pipeline?.dispose();
  }
}
