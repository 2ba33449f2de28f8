/**
 * Calibrates a saved head on held-out validation features and saves it with its calibration (see `calibrateHead`):
 *
 *   node dist/bench/calibrate-head.js --head <in.json.gz> --validation <val.json> --out <out.json.gz>
 *        [--surrogate-train <train.json>] [--test <test.json>] [--method auto|temperature|logistic] [--fitted-on TEXT]
 *
 * The validation faces must be ones the calibrated model never trained on. When the head was refitted on train +
 * validation (the shipped fast head), `--surrogate-train` fits a head of the same kind and parameters on the train
 * features only, calibrates that one on validation, and gives its calibration to the head (scikit-learn's
 * CalibratedClassifierCV with ensemble=False does the same with cross-validated predictions). A head saved with
 * `mirrorAverage` is calibrated on its probabilities averaged over each face and its mirror image (the validation
 * and test files must then come from `fer features --mirror`). `--test` prints the test scores for the record only.
 * The head file keeps its featuriser and mirrorAverage fields.
 */
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { parseArgs } from "node:util";
import { calibrateHead, type CalibrationScores } from "../calibration/fit.js";
import { calibrationError, meanLogLoss } from "../calibration/metrics.js";
import type { Head } from "../core/head.js";
import type { FeatureMatrix } from "../core/matrix.js";
import { predictProbaAveraged } from "../core/view-average.js";
import { assertSameFeaturiser, readFeatures, type FeatureSet } from "../node/features-file.js";
import { loadHead, saveHead, savedHeadFeaturiser, savedHeadMirrorAverage } from "../node/head-file.js";
import { pairMirroredRows } from "../node/mirrored-pairs.js";
import { createHead } from "../registry.js";

const { values } = parseArgs({
  options: {
    head: { type: "string" },
    validation: { type: "string" },
    out: { type: "string" },
    "surrogate-train": { type: "string" },
    test: { type: "string" },
    method: { type: "string", default: "auto" },
    "fitted-on": { type: "string" },
  },
});
if (!values.head || !values.validation || !values.out) {
  process.stderr.write("usage: calibrate-head --head IN --validation VAL.json --out OUT [--surrogate-train TRAIN.json] [--test TEST.json] [--method auto|temperature|logistic] [--fitted-on TEXT]\n");
  process.exit(2);
}
const method = values.method as "auto" | "temperature" | "logistic";
const log = (s: string): void => void process.stdout.write(`${s}\n`);
const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
const fmt = (s: CalibrationScores): string => `accuracy ${pct(s.accuracy)}, ECE ${pct(s.ece)}, log-loss ${s.logLoss.toFixed(4)}`;

let bytes = await readFile(values.head);
if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
const raw = JSON.parse(bytes.toString("utf8")) as unknown;
const featuriser = savedHeadFeaturiser(raw);
const mirrorAverage = savedHeadMirrorAverage(raw) === true;
const head = await loadHead(values.head);

/** The views a head is used on: [faces, mirrored faces] with mirror averaging, else [faces]. */
function viewsOf(set: FeatureSet, what: string): { views: FeatureMatrix[]; labels: Uint8Array } {
  if (!mirrorAverage) return { views: [set.features], labels: set.labels };
  const pairs = pairMirroredRows(set, what);
  return { views: [pairs.original.features, pairs.mirrored], labels: pairs.original.labels };
}

function scoreOn(h: Head, views: FeatureMatrix[], labels: Uint8Array, calibrated: boolean): CalibrationScores {
  const probs = calibrated
    ? predictProbaAveraged(h, views)
    : views.map((v) => h.predictProbaUncalibrated(v)).reduce((sum, p) => sum.map((row, i) => row.map((x, k) => x + p[i]![k]!))).map((row) => row.map((x) => x / views.length));
  const e = calibrationError(probs, labels);
  return { accuracy: e.accuracy, ece: e.ece, logLoss: meanLogLoss(probs, labels) };
}

const validation = await readFeatures(values.validation);
/** The head's featuriser as a features set, for assertSameFeaturiser. */
const headSet = { featuriser } as unknown as FeatureSet;
/** Checks a features file against the head's featuriser; files that name none (e.g. `fer embed`'s) are taken on trust. */
function checkFeaturiser(name: string, set: FeatureSet): void {
  if (featuriser === undefined || set.featuriser === undefined) log(`note: ${name} or the head names no featuriser: not checked`);
  else assertSameFeaturiser({ head: headSet, [name]: set });
}
checkFeaturiser("validation", validation);
const val = viewsOf(validation, values.validation);
const fittedOn = values["fitted-on"] ?? `${validation.source ?? values.validation} (${val.labels.length} faces${mirrorAverage ? ", mirror-averaged" : ""})`;

let calibrated: Head = head;
if (values["surrogate-train"]) {
  const train = await readFeatures(values["surrogate-train"]);
  checkFeaturiser("surrogate train", train);
  log(`surrogate: a ${head.kind} head with the same parameters fitted on ${train.features.rows} train vectors (${values["surrogate-train"]})`);
  calibrated = await createHead(head.kind, { ...head.params }).fit(train.features, train.labels, { classes: head.classes });
}
const r = await calibrateHead(calibrated, val.views, val.labels, { method, fittedOn });
log(`calibration: ${JSON.stringify({ ...r.calibration, ...(r.calibration.method === "logistic" ? { weights: `[${r.calibration.weights.length}]`, bias: `[${r.calibration.bias.length}]` } : {}) })}`);
log(`validation before: ${fmt(r.before)}`);
log(`validation after:  ${fmt(r.after)}`);
if (calibrated !== head) {
  head.setCalibration(r.calibration);
  log(`the head itself on validation (it trained on these faces, so this flatters it): before ${fmt(scoreOn(head, val.views, val.labels, false))}; after ${fmt(scoreOn(head, val.views, val.labels, true))}`);
  calibrated.dispose();
}
if (values.test) {
  const test = await readFeatures(values.test);
  checkFeaturiser("test", test);
  const t = viewsOf(test, values.test);
  log(`test (record only) before: ${fmt(scoreOn(head, t.views, t.labels, false))}`);
  log(`test (record only) after:  ${fmt(scoreOn(head, t.views, t.labels, true))}`);
}
const size = await saveHead(head, values.out, { featuriser, mirrorAverage: savedHeadMirrorAverage(raw) });
log(`saved ${values.out} (${(size / 1e6).toFixed(2)} MB)`);
head.dispose();
