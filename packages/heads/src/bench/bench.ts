/**
 * Benchmark of every head: fit time, prediction time per face, accuracy on the test features and saved size,
 * with the study's settings (see study-heads.ts).
 *
 *   pnpm --filter @fer/heads bench [-- --train <train.json> --test <test.json>] [--heads softmax,knn,...]
 *        [--max-train N] [--svm-max-train N] [--svm-probability] [--rf-trees N] [--no-standardize] [--json results.json]
 *        [--mirror-average]
 *
 * Without features files it uses FER2013 train (28,709) / test (3,589) average-pooled to 8x8 = 64-d, so the heads can
 * be measured before a CNN is trained. With --train/--test (features files from @fer/cnn, e.g. its first or second
 * dense layer) it reproduces the study's head table. --mirror-average scores each test face by the head's probabilities
 * averaged over the face and its mirror image (the test file must hold both: `fer features --mirror`). Heavy: run under `nice -n 10` on a shared machine.
 */
import { availableParallelism, cpus, loadavg } from "node:os";
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { FeatureMatrix } from "../core/matrix.js";
import { selectRows } from "../core/matrix.js";
import { ProgressBar } from "../core/progress.js";
import { createHead } from "../registry.js";
import { stratifiedSplit } from "@fer/preprocess";
import { pairMirroredRows } from "../node/mirrored-pairs.js";
import { loadSets } from "./load-sets.js";
import { formatMeasurements, measureHead, type HeadMeasurement } from "./measure.js";
import { STUDY_HEADS } from "./study-heads.js";

const { values } = parseArgs({
  options: {
    train: { type: "string" },
    test: { type: "string" },
    heads: { type: "string" },
    "max-train": { type: "string" },
    "svm-max-train": { type: "string" },
    "no-standardize": { type: "boolean" },
    "svm-probability": { type: "boolean" },
    "rf-trees": { type: "string" },
    json: { type: "string" },
    "mirror-average": { type: "boolean" },
  },
  strict: true,
});

const { train, test: testFile, source } = await loadSets(values.train, values.test);
const pairs = values["mirror-average"] ? pairMirroredRows(testFile, "--test features") : undefined;
const test = pairs?.original ?? testFile;
const wanted = values.heads ? values.heads.split(",") : STUDY_HEADS.map((h) => h.name);
for (const w of wanted) if (!STUDY_HEADS.some((h) => h.name === w)) throw new Error(`unknown head ${w}; known: ${STUDY_HEADS.map((h) => h.name).join(", ")}`);

/** A stratified subset of the training set of about `n` vectors (fixed seed), or all of it. */
function subset(n: number | undefined): { x: FeatureMatrix; y: Uint8Array } {
  if (n === undefined || n >= train.features.rows) return { x: train.features, y: train.labels };
  const { validation } = stratifiedSplit(train.labels, { fraction: n / train.features.rows, seed: 0 });
  return { x: selectRows(train.features, validation), y: Uint8Array.from(validation, (i) => train.labels[i]!) };
}

console.log(`# @fer/heads bench — ${new Date().toISOString()}`);
console.log(`# machine: ${cpus()[0]?.model ?? "?"} x ${availableParallelism()}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log(`# features: ${source}: train ${train.features.rows} x ${train.features.cols}, test ${test.features.rows}${pairs ? " (each averaged with its mirror image)" : ""}`);

const results: HeadMeasurement[] = [];
for (const cfg of STUDY_HEADS.filter((h) => wanted.includes(h.name))) {
  const params = { ...cfg.params };
  if (values["no-standardize"] && cfg.kind !== "random-forest") params["standardize"] = false;
  if (cfg.kind === "random-forest" && values["rf-trees"]) params["nEstimators"] = Number(values["rf-trees"]);
  if ((cfg.kind === "svm" || cfg.kind === "bagging-svm") && values["svm-probability"]) params["probability"] = true;
  const isSvm = cfg.kind === "svm" || cfg.kind === "bagging-svm";
  const limit = values[isSvm && values["svm-max-train"] ? "svm-max-train" : "max-train"];
  const { x, y } = subset(limit === undefined ? undefined : Number(limit));
  const head = createHead(cfg.kind, params);
  console.log(`\n## ${cfg.name} ${JSON.stringify(params)} on ${x.rows} x ${x.cols}`);
  const bar = new ProgressBar();
  const m = await measureHead(cfg.name, head, x, y, test.features, test.labels, train.classes, {
    onProgress: (d, t) => bar.update(d, t),
    ...(pairs ? { evalMirrored: pairs.mirrored } : {}),
  });
  bar.end();
  head.dispose();
  results.push(m);
  console.log(formatMeasurements([m], "test acc"));
}

console.log(`\n## summary (test accuracy on ${test.features.rows} test faces; predict = head only, one thread)`);
console.log(formatMeasurements(results, "test acc"));
if (values.json) {
  await writeFile(values.json, JSON.stringify({ date: new Date().toISOString(), source, mirrorAverage: pairs !== undefined, results }, null, 2));
  console.log(`wrote ${values.json}`);
}
