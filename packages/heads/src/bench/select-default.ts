/**
 * Chooses the default "fast" head without looking at test: every candidate is fitted on train and scored on
 * validation; candidates whose saved size (.json.gz) or prediction time per face (CPU, one thread) exceed the
 * budget are dropped; the best remaining one by validation accuracy is refitted on train + validation and saved.
 * Test accuracy is printed for the record only.
 *
 * Validation is the `--validation` features file: for CNN features, the CNN's own held-out images
 * (`fer features --split validation`, with `--split train` for --train), since features of images the CNN
 * trained on flatter every head. Without it, a stratified 10% of --train (seed 0) is held out.
 *
 *   pnpm --filter @fer/heads select-default [-- --train <train.json> --test <test.json> [--validation <val.json>]]
 *        [--out head.json.gz] [--max-mb 20] [--max-head-ms 1] [--candidates '<json [{name, kind, params}]>']
 *        [--mirror-average]
 *
 * --mirror-average scores every candidate by its probabilities averaged over each face and its mirror image (the
 * validation and test files must hold both: `fer features --mirror`), and marks the saved head so that the pipeline
 * averages the same way. The refit adds the validation file's mirrored rows only when --train has mirrored rows too.
 *
 * --refit NAME skips the choice: the named candidate, chosen earlier on validation, is fitted on all of --train and
 * saved. This is for a CNN trained on train + validation (a final fit), which leaves no held-out images to choose on;
 * its head takes the settings chosen with the CNN trained by the same recipe on train only, as the study refitted.
 *
 * Without features files it runs on the 8x8 pooled-pixel stand-in (useful to exercise the procedure only; the
 * shipped head must come from the trained CNN's features).
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { concatRows, selectRows, type FeatureMatrix } from "../core/matrix.js";
import { assertSameFeaturiser, readFeatures } from "../node/features-file.js";
import { saveHead } from "../node/head-file.js";
import { createHead } from "../registry.js";
import { accuracy } from "../selection/metrics.js";
import { stratifiedSplit } from "@fer/preprocess";
import { hasMirroredRows, pairMirroredRows } from "../node/mirrored-pairs.js";
import { predictAveraged } from "../core/view-average.js";
import { loadSets } from "./load-sets.js";
import { formatMeasurements, measureHead, timed, type HeadMeasurement } from "./measure.js";
import { packageDir } from "./shared-data.js";
import type { HeadConfig } from "./study-heads.js";

/** Candidates small and fast enough to ship, plus the study's settings for comparison where they fit. */
export const DEFAULT_CANDIDATES: readonly HeadConfig[] = [
  { name: "softmax", kind: "softmax", params: {} },
  { name: "knn k=45 distance", kind: "knn", params: { k: 45, weights: "distance" } },
  { name: "forest 100 leaf3", kind: "random-forest", params: { nEstimators: 100, bootstrap: false, minSamplesSplit: 5, minSamplesLeaf: 3, seed: 0 } },
  { name: "forest 300 leaf10", kind: "random-forest", params: { nEstimators: 300, bootstrap: false, minSamplesSplit: 20, minSamplesLeaf: 10, seed: 0 } },
  { name: "forest 300 depth14", kind: "random-forest", params: { nEstimators: 300, bootstrap: true, maxDepth: 14, minSamplesLeaf: 3, seed: 0 } },
];

const { values } = parseArgs({
  options: {
    train: { type: "string" },
    test: { type: "string" },
    validation: { type: "string" },
    out: { type: "string" },
    "max-mb": { type: "string" },
    "max-head-ms": { type: "string" },
    candidates: { type: "string" },
    "mirror-average": { type: "boolean", default: false },
    refit: { type: "string" },
  },
  strict: true,
});
const maxBytes = Number(values["max-mb"] ?? 20) * 1e6;
const maxHeadMs = Number(values["max-head-ms"] ?? 1);
const candidates = values.candidates ? (JSON.parse(values.candidates) as HeadConfig[]) : DEFAULT_CANDIDATES;
const out = values.out ?? path.join(packageDir(), ".cache", "default-fast.json.gz");

const mirrorAverage = values["mirror-average"];
const refitName = values.refit;
if (refitName !== undefined && values.validation !== undefined) throw new Error("--refit fits on --train alone: leave out --validation");
if (refitName !== undefined && !candidates.some((c) => c.name === refitName)) {
  throw new Error(`--refit "${refitName}" is not a candidate (${candidates.map((c) => c.name).join(", ")})`);
}
if (mirrorAverage && refitName === undefined && values.validation === undefined) throw new Error("--mirror-average needs --validation (features written with fer features --mirror)");
const { train, test: testFile, source } = await loadSets(values.train, values.test);
const testPairs = mirrorAverage ? pairMirroredRows(testFile, "--test features") : undefined;
const test = testPairs?.original ?? testFile;

/** Chooses a candidate on validation; returns it with the rows to refit it on (train + validation). */
async function chooseOnValidation(): Promise<{ cfg: HeadConfig; xAll: FeatureMatrix; yAll: Uint8Array }> {
  let xTrain: FeatureMatrix;
  let yTrain: Uint8Array;
  let xVal: FeatureMatrix;
  let yVal: Uint8Array;
  let xValMirrored: FeatureMatrix | undefined;
  let refitExtra: { x: FeatureMatrix; y: Uint8Array } | undefined;
  if (values.validation !== undefined) {
    const val = await readFeatures(values.validation);
    if (val.classes.join() !== train.classes.join()) throw new Error(`${values.validation} has classes ${val.classes.join(", ")}, --train ${train.classes.join(", ")}`);
    assertSameFeaturiser({ "--train": train, "--validation": val }); // loadSets has checked --test
    [xTrain, yTrain] = [train.features, train.labels];
    if (mirrorAverage) {
      const pairs = pairMirroredRows(val, "--validation features");
      [xVal, yVal, xValMirrored] = [pairs.original.features, pairs.original.labels, pairs.mirrored];
      if (hasMirroredRows(train)) refitExtra = { x: pairs.mirrored, y: yVal };
    } else {
      [xVal, yVal] = [val.features, val.labels];
    }
  } else {
    const split = stratifiedSplit(train.labels, { fraction: 0.1, seed: 0 });
    xTrain = selectRows(train.features, split.train);
    yTrain = Uint8Array.from(split.train, (i) => train.labels[i]!);
    xVal = selectRows(train.features, split.validation);
    yVal = Uint8Array.from(split.validation, (i) => train.labels[i]!);
  }
  let xAll = values.validation !== undefined ? concatRows(xTrain, xVal) : train.features;
  let yAll = values.validation !== undefined ? Uint8Array.from([...yTrain, ...yVal]) : train.labels;
  if (refitExtra !== undefined) [xAll, yAll] = [concatRows(xAll, refitExtra.x), Uint8Array.from([...yAll, ...refitExtra.y])];
  console.log(
    `# select-default on ${source}: fit ${xTrain.rows}, validation ${xVal.rows}${mirrorAverage ? " (each averaged with its mirror image)" : ""}; ` +
      `budget ${maxBytes / 1e6} MB (.json.gz), ${maxHeadMs} ms/face (head CPU)`,
  );

  const results: HeadMeasurement[] = [];
  for (const c of candidates) {
    const head = createHead(c.kind, c.params);
    const m = await measureHead(c.name, head, xTrain, yTrain, xVal, yVal, train.classes, xValMirrored ? { evalMirrored: xValMirrored } : {});
    head.dispose();
    results.push(m);
    console.log(formatMeasurements([m], "val acc"));
  }
  console.log(`\n## candidates (validation accuracy)\n${formatMeasurements(results, "val acc")}`);
  const fits = results.filter((r) => r.savedGzipBytes <= maxBytes && r.predictMsPerFace.cpuSeconds <= maxHeadMs);
  if (fits.length === 0) throw new Error("no candidate meets the size and time budget");
  const best = fits.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  const cfg = candidates.find((c) => c.name === best.name)!;
  console.log(`\nchosen: ${cfg.name} (${(best.accuracy * 100).toFixed(2)}% validation); refitting on all ${xAll.rows} training and validation vectors`);
  return { cfg, xAll, yAll };
}

let chosen: { cfg: HeadConfig; xAll: FeatureMatrix; yAll: Uint8Array };
if (refitName !== undefined) {
  const cfg = candidates.find((c) => c.name === refitName)!;
  console.log(`# select-default --refit on ${source}: ${cfg.name} (chosen earlier on validation), fitted on all ${train.features.rows} --train vectors${mirrorAverage ? "; test averaged with mirror images" : ""}`);
  chosen = { cfg, xAll: train.features, yAll: train.labels };
} else {
  chosen = await chooseOnValidation();
}
const { cfg, xAll, yAll } = chosen;
const head = createHead(cfg.kind, cfg.params);
const [, fit] = await timed(() => head.fit(xAll, yAll, { classes: train.classes }));
const bytes = await saveHead(head, out, { featuriser: train.featuriser, mirrorAverage });
const [pred, p] = await timed(() => (testPairs ? predictAveraged(head, [test.features, testPairs.mirrored]) : head.predict(test.features)));
console.log(`saved ${out}: ${(bytes / 1e6).toFixed(2)} MB; fit ${fit.cpuSeconds.toFixed(1)} CPU s; test accuracy (record only) ${(accuracy(pred, test.labels) * 100).toFixed(2)}%; ${((p.cpuSeconds * 1000) / test.features.rows).toFixed(3)} ms/face CPU`);
head.dispose();
