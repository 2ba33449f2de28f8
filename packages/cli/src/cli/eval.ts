import path from "node:path";
import { createProgressBar } from "@fer/runtime";
import { createPipeline, evaluateFolder } from "@fer/pipeline";
import { writeReport } from "../report/markdown.js";
import { parseCommandArgs, PIPELINE_FLAGS, PIPELINE_FLAGS_HELP, pipelineOptionsFromFlags, reportFailure, SIGNAL_EXIT, stopOnSignals, UsageError } from "./options.js";

const HELP = `usage: fer eval <dataset-folder> [options]

Evaluates the pipeline on a labelled folder <root>/<class>/* (any subset of the 7 classes).
By default each image is a face crop (FER2013 layout) and is classified whole.
${PIPELINE_FLAGS_HELP}
  --detect                each image is a photo: classify its largest detected face (no face = an error, listed)
  --votes FILE|none       FER+ crowd votes of the images (a CSV file,neutral,happiness,...,NF as in fer2013/ferplus/,
                          rows keyed .../<class>/<file>): adds the accuracy against the FER+ majority and the
                          cross-entropy against the crowd's distribution. Default: <parent>/ferplus/<folder>.csv beside
                          the dataset folder when it exists (fer2013/test -> fer2013/ferplus/test.csv); none: no votes
  --json                  print {images, accuracy, top2Accuracy, macroF1, perClass: {<class>: {precision, recall, f1,
                          support}}, ferplus: {majorityAccuracy, crossEntropy, ...} | null, calibration: {ece,
                          maxGap, bins}, confusion, classes, msPerFace, noFace, ...} to stdout
  --report DIR            write DIR/report.md with the per-class, confusion and calibration tables, and the charts
                          DIR/confusion-matrix.png, DIR/class-counts.png (predicted vs actual per class) and
                          DIR/reliability.png (accuracy against confidence in 15 bins; ECE = expected calibration error)
On SIGINT/SIGTERM no new image is started, the ones in flight finish, and fer eval says how far it got, prints no
metrics and writes no report (the images go class folder by class folder: a part is not the dataset), exit 130/143.`;

/** `fer eval <dataset-folder> [--detect] [--json] [--report DIR] ...`. */
export async function evalCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("eval", HELP, {
    args: argv,
    allowPositionals: true,
    options: {
      ...PIPELINE_FLAGS,
      detect: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      report: { type: "string" },
      votes: { type: "string" },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  let pipeline;
  const stop = stopOnSignals("eval", "stopping after the images in flight");
  let progress: { done: number; total: number } | undefined;
  try {
    if (positionals.length !== 1) throw new UsageError(`give exactly one dataset folder\n${HELP}`);
    const root = path.resolve(positionals[0] as string);
    pipeline = await createPipeline(pipelineOptionsFromFlags(values));
    const { describeBackend, initBackend } = await import("@fer/runtime");
    const tfjsBackend = describeBackend(await initBackend());
    const { engines } = pipeline.models;
    const backend =
      `featuriser on ${engines.featuriser}${values.detect && engines.detector !== undefined ? `, detector on ${engines.detector}` : ""}` +
      `; tfjs backend ${tfjsBackend}`;
    let bar: ReturnType<typeof createProgressBar> | undefined;
    const result = await evaluateFolder(pipeline, root, {
      detect: values.detect,
      ...(values.votes !== undefined ? { votes: values.votes === "none" ? false : values.votes } : {}),
      signal: stop.abort,
      onProgress: (done, total) => {
        progress = { done, total };
        bar ??= createProgressBar({ label: "eval", total, unit: "img" });
        bar.update(done);
      },
    });
    bar?.finish();
    for (const p of result.problems) process.stderr.write(`fer eval: skipped ${p.file}: ${p.error}\n`);
    // The metrics are printed first: a report that cannot be written (full disk, read-only folder) loses nothing else.
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...result, backend }, null, 2)}\n`);
    } else {
      const fp = result.ferplus;
      process.stdout.write(
        `${result.images} images${result.problems.length > 0 ? ` (${result.problems.length} skipped, listed above)` : ""}: accuracy ${(result.accuracy * 100).toFixed(2)}%, top-2 ${(result.top2Accuracy * 100).toFixed(2)}%, ` +
          `macro F1 ${result.macroF1.toFixed(3)}, ${result.msPerFace.toFixed(2)} ms/face${values.detect ? `, no face found in ${result.noFace.length}` : ""}\n` +
          (fp === null
            ? ""
            : `FER+ votes (${fp.file}): accuracy against the majority ${(fp.majorityAccuracy * 100).toFixed(2)}% on ${fp.majorityScored} images ` +
              `(${fp.majorityExcluded} without one), cross-entropy against the crowd ${fp.crossEntropy.toFixed(4)} nats on ${fp.crossEntropyScored} ` +
              `(${fp.crossEntropyExcluded} excluded)\n`) +
          `calibration: ECE ${(result.calibration.ece * 100).toFixed(2)}% (15 bins), mean confidence ${(result.calibration.confidence * 100).toFixed(2)}%\n` +
          `models: ${pipeline.models.featuriser}, head ${pipeline.models.head}${pipeline.models.mirrorAverage ? " averaged with mirror images" : ""}${values.detect ? `, detector ${pipeline.models.detector}` : ""}; ${backend}\n`,
      );
    }
    if (values.report !== undefined) {
      const dir = path.resolve(values.report);
      try {
        const written = await writeReport(result, dir, { backend });
        process.stderr.write(`report: ${written.markdown}\n`);
      } catch (e) {
        process.stderr.write(`fer eval: cannot write the report into ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the metrics are above\n`);
        return 1;
      }
    }
    return 0;
  } catch (e) {
    if (stop.signal === undefined || e !== stop.abort.reason) return reportFailure("eval", e);
    const where = progress === undefined ? "before classifying any image" : `after classifying ${progress.done} of ${progress.total} images`;
    process.stderr.write(`\nfer eval: stopped by ${stop.signal} ${where}; no metrics and no report (a part of the dataset is not the dataset)\n`);
    return SIGNAL_EXIT[stop.signal] ?? 1;
  } finally {
    pipeline?.dispose();
    stop.dispose();
  }
}
