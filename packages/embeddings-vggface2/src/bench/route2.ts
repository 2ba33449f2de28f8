/**
 * The route-2 table: pretrained face-CNN features + the study's heads, on FER2013.
 *
 * 1. Embeds FER2013 train and test with the backbone at every candidate layer (disk cache: a rerun only reads it).
 * 2. Splits train into train / validation (stratified 10 %, fixed seed) and picks the layer by the validation
 *    accuracy of an RBF SVM (C=10, gamma 'scale') fitted on a stratified subsample of the train part.
 * 3. On the chosen layer, fits the study's heads on the train part and scores them on validation:
 *    SVM C in {1, 10, 100} (gamma 'scale'), random forest, bagged SVMs.
 * 4. Refits each head family's configuration chosen on validation on the whole train set (train + validation, as
 *    the study did) and reports its test accuracy, fit time and saved size. Test is used for nothing else.
 * 5. With --ship, saves the head best on validation among those whose saved file is at most --max-ship-mb as the
 *    pipeline's `accurate` preset (packages/pipeline/models/accurate-head.json.gz + accurate.json), when its test
 *    accuracy beats --route1 (the best route-1 test accuracy).
 *
 * --pca 32,64 adds SVMs on that many principal components of the standardised features (same C values): a smaller
 * saved model (support vectors x components) that fits in a package; --vector-bits 32,16,8 stores their support
 * vectors as float32 or 16/8-bit codes (each value a separate candidate). --skip svm leaves out the SVMs on all features.
 *
 * Usage: node dist/bench/route2.js [--backbone faceapi-resnet34] [--weights file] [--layers a,b] [--select-samples 6000]
 *        [--train-samples 0 (= all)] [--svm-c 1,10,100] [--pca 32,64] [--vector-bits 32,16,8] [--rf-trees 300] [--skip svm,rf,bagging]
 *        [--route1 0.631 (the study's best route-1 test accuracy)] [--ship] [--max-ship-mb 8]
 * With --train-samples N the heads are fitted on a stratified subsample of N train faces (validation and test stay
 * whole); the README says which N produced its figures.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { describeBackend, initBackend } from "@fer/runtime";
import { BaggingSvmHead, headFromJSON, RandomForestHead, SvmHead, type Head } from "@fer/heads";
import { saveHead } from "@fer/heads/node";
import { stratifiedSplit, type FaceDataset } from "@fer/preprocess";
import { defaultCacheDir, loadFolderDataset } from "@fer/preprocess/node";
import { loadEmbedder } from "../backbones.js";
import { embedDataset, type EmbeddedDataset } from "../dataset-embedding.js";
import { sharedDir } from "@fer/preprocess/node";
import { repoRoot } from "../shared-dir.js";

const { values: args } = parseArgs({
  options: {
    backbone: { type: "string", default: "faceapi-resnet34" },
    weights: { type: "string" },
    layers: { type: "string", default: "descriptor,pool,block256,block256-grid2,block128,block128-grid2,block64-grid2" },
    "select-samples": { type: "string", default: "6000" },
    "train-samples": { type: "string", default: "0" },
    "rf-trees": { type: "string", default: "300" },
    skip: { type: "string", default: "" },
    "svm-c": { type: "string", default: "1,10,100" },
    pca: { type: "string", default: "" },
    "vector-bits": { type: "string", default: "32" },
    "max-ship-mb": { type: "string", default: "8" },
    route1: { type: "string", default: "0.631" },
    seed: { type: "string", default: "2026" },
    ship: { type: "boolean", default: false },
  },
});
const layers = String(args.layers).split(",");
const selectSamples = Number(args["select-samples"]);
const rfTrees = Number(args["rf-trees"]);
/** 0 = every train face; otherwise heads are fitted on a stratified subsample of this many (CPU-limited runs). */
const trainSamples = Number(args["train-samples"]);
const skip = new Set(String(args.skip).split(",").filter(Boolean));
const route1 = Number(args.route1);
const pcaComponents = String(args.pca).split(",").filter(Boolean).map(Number);
const vectorBits = String(args["vector-bits"]).split(",").map(Number) as (32 | 16 | 8)[];
const maxShipBytes = Number(args["max-ship-mb"]) * 1e6;
const seed = Number(args.seed);
const log = (s: string): void => void process.stdout.write(`${s}\n`);

log(`# Route 2 on FER2013, ${new Date().toISOString().slice(0, 10)}, backend ${describeBackend(await initBackend())}`);
const fer = path.join(sharedDir(), "datasets/fer2013");
const train = (await loadFolderDataset(path.join(fer, "train"))).dataset;
const test = (await loadFolderDataset(path.join(fer, "test"))).dataset;
const embedder = await loadEmbedder(String(args.backbone), { layer: layers[0]!, ...(args.weights !== undefined ? { weights: String(args.weights) } : {}) });

async function embedAll(ds: FaceDataset, split: string): Promise<Map<string, EmbeddedDataset>> {
  const res = await embedDataset(embedder, ds, { layers, label: `${embedder.name} ${split}` });
  return new Map(res.map((r) => [r.layer, r]));
}
const trainEmb = await embedAll(train, "train");
const testEmb = await embedAll(test, "test");

const { train: trIdx, validation: vaIdx } = stratifiedSplit(train.labels, { fraction: 0.1, seed });
log(`train ${trIdx.length}, validation ${vaIdx.length}, test ${test.count} (split seed ${seed})`);

/** Rows `idx` of an embedded set as a feature matrix and labels. */
function rows(e: EmbeddedDataset, idx: ArrayLike<number>): { x: { rows: number; cols: number; data: Float32Array }; y: Uint8Array } {
  const d = e.features.cols;
  const data = new Float32Array(idx.length * d);
  const y = new Uint8Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    data.set(e.features.data.subarray(i * d, (i + 1) * d), k * d);
    y[k] = e.labels[i]!;
  }
  return { x: { rows: idx.length, cols: d, data }, y };
}
function accuracyOf(head: Head, x: { rows: number; cols: number; data: Float32Array }, y: Uint8Array): number {
  const p = head.predict(x);
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (p[i] === y[i]) ok++;
  return ok / y.length;
}
/** A stratified subsample of `idx` of about `n` items (same seed-based split as everywhere). */
function subsample(idx: Uint32Array, labels: Uint8Array, n: number): Uint32Array {
  if (n >= idx.length) return idx;
  const sub = new Uint8Array(idx.length);
  for (let k = 0; k < idx.length; k++) sub[k] = labels[idx[k]!]!;
  const { validation } = stratifiedSplit(sub, { fraction: n / idx.length, seed: seed + 1 });
  return Uint32Array.from(validation, (k) => idx[k]!);
}
async function timedFit(make: () => Head, x: { rows: number; cols: number; data: Float32Array }, y: Uint8Array): Promise<{ head: Head; seconds: number }> {
  const head = make();
  const t0 = performance.now();
  await head.fit(x, y, { classes: train.classes });
  return { head, seconds: (performance.now() - t0) / 1000 };
}
const fmt = (a: number): string => `${(100 * a).toFixed(2)} %`;

// 2. layer selection
const selIdx = subsample(trIdx, train.labels, selectSamples);
log(`\n## Layer selection: SVM C=10 gamma 'scale' fitted on ${selIdx.length} train faces, scored on validation\n`);
log("| layer | dim | validation | fit s |\n|---|---|---|---|");
const layerScores: { layer: string; val: number }[] = [];
for (const layer of layers) {
  const e = trainEmb.get(layer)!;
  const tr = rows(e, selIdx);
  const va = rows(e, vaIdx);
  const { head, seconds } = await timedFit(() => new SvmHead({ C: 10, gamma: "scale", probability: false }), tr.x, tr.y);
  const val = accuracyOf(head, va.x, va.y);
  head.dispose();
  layerScores.push({ layer, val });
  log(`| ${layer} | ${e.features.cols} | ${fmt(val)} | ${seconds.toFixed(1)} |`);
}
const best = layerScores.reduce((a, b) => (b.val > a.val ? b : a));
log(`\nchosen layer: ${best.layer}`);

// 3. heads on the chosen layer
const eTrain = trainEmb.get(best.layer)!;
const eTest = testEmb.get(best.layer)!;
/** Refit the chosen configurations on all of train (as the study); skipped for subsampled, CPU-limited runs. */
const refit = trainSamples <= 0;
const headIdx = trainSamples > 0 ? subsample(trIdx, train.labels, trainSamples) : trIdx;
const tr = rows(eTrain, headIdx);
const va = rows(eTrain, vaIdx);
interface Candidate {
  family: string;
  config: string;
  make: () => Head;
  val?: number;
  fitSeconds?: number;
  head?: Head;
}
const candidates: Candidate[] = [];
const svmCs = String(args["svm-c"]).split(",").map(Number);
if (!skip.has("svm")) for (const C of svmCs) candidates.push({ family: "SVM", config: `C=${C}, gamma 'scale'`, make: () => new SvmHead({ C, gamma: "scale", probability: false }) });
for (const k of pcaComponents) {
  for (const bits of vectorBits) {
    for (const C of svmCs) {
      candidates.push({
        family: `SVM on ${k} principal components${bits < 32 ? `, ${bits}-bit support vectors` : ""}`,
        config: `C=${C}, gamma 'scale'`,
        make: () => new SvmHead({ C, gamma: "scale", probability: false, components: k, vectorBits: bits }),
      });
    }
  }
}
if (!skip.has("rf")) {
  candidates.push({
    family: "random forest",
    config: `${rfTrees} trees, maxDepth 25, no bootstrap, minSamplesSplit 5, minSamplesLeaf 3`,
    make: () => new RandomForestHead({ nEstimators: rfTrees, maxDepth: 25, bootstrap: false, minSamplesSplit: 5, minSamplesLeaf: 3, seed, threads: 1 }),
  });
}
if (!skip.has("bagging")) {
  candidates.push({
    family: "bagged SVMs",
    config: "5 SVMs x 50 % of train, C=10, gamma 'scale'",
    make: () => new BaggingSvmHead({ nEstimators: 5, maxSamples: 0.5, C: 10, gamma: "scale", probability: false, bootstrap: false, seed, threads: 1 }),
  });
}
log(`\n## Heads on ${embedder.name}@${best.layer}: fitted on ${tr.y.length} train faces, scored on ${va.y.length} validation faces\n`);
log("| head | config | validation | fit s |\n|---|---|---|---|");
for (const c of candidates) {
  const { head, seconds } = await timedFit(c.make, tr.x, tr.y);
  c.val = accuracyOf(head, va.x, va.y);
  c.fitSeconds = seconds;
  if (refit) head.dispose();
  else c.head = head;
  log(`| ${c.family} | ${c.config} | ${fmt(c.val)} | ${seconds.toFixed(0)} |`);
}

// 4. refit the chosen configuration of each family on all of train (subsampled runs: keep the validated head); test once
const families = [...new Set(candidates.map((c) => c.family))];
const te = rows(eTest, Uint32Array.from({ length: test.count }, (_, i) => i));
const all = refit ? rows(eTrain, Uint32Array.from({ length: train.count }, (_, i) => i)) : tr;
log(
  `\n## Test (FER2013 PublicTest, ${test.count} faces): each family's configuration chosen on validation, ${
    refit ? `refitted on all ${train.count} train faces` : `as fitted on the ${tr.y.length} train faces above (no refit)`
  }\n`,
);
log("| head | config | validation | test | fit s | saved size |\n|---|---|---|---|---|---|");
const results: { family: string; config: string; val: number; test: number; fitSeconds: number; bytes: number; json: string }[] = [];
for (const f of families) {
  const c = candidates.filter((k) => k.family === f).reduce((a, b) => (b.val! > a.val! ? b : a));
  for (const k of candidates) if (k.family === f && k !== c) k.head?.dispose();
  const { head, seconds } = c.head ? { head: c.head, seconds: c.fitSeconds! } : await timedFit(c.make, all.x, all.y);
  const acc = accuracyOf(head, te.x, te.y);
  const json = JSON.stringify(head.toJSON());
  head.dispose();
  results.push({ family: f, config: c.config, val: c.val!, test: acc, fitSeconds: seconds, bytes: Buffer.byteLength(json), json });
  log(`| ${f} | ${c.config} | ${fmt(c.val!)} | ${fmt(acc)} | ${seconds.toFixed(0)} | ${(Buffer.byteLength(json) / 1e6).toFixed(1)} MB |`);
}
const top = results.reduce((a, b) => (b.val > a.val ? b : a));
log(`\nbest on validation: ${top.family} (${top.config}) -> test ${fmt(top.test)}; route-1 reference ${fmt(route1)}; study route 2: 68.93 %`);
const outDir = path.join(defaultCacheDir(), "route2");
mkdirSync(outDir, { recursive: true });
writeFileSync(
  path.join(outDir, `${embedder.name}-results.json`),
  JSON.stringify({ date: new Date().toISOString(), backbone: embedder.name, trainSamples: all.y.length, selectSamples: selIdx.length, layerScores, chosenLayer: best.layer, candidates: candidates.map(({ make: _m, head: _h, ...r }) => r), results: results.map(({ json: _j, ...r }) => r) }, null, 2),
);
if (args.ship) {
  const small = results.filter((r) => r.bytes <= maxShipBytes);
  const pick = small.length > 0 ? small.reduce((a, b) => (b.val > a.val ? b : a)) : undefined;
  if (pick === undefined) {
    log(`not shipped: no head's saved JSON is at most ${maxShipBytes / 1e6} MB`);
  } else if (pick.test > route1) {
    const dir = path.join(repoRoot(), "packages/pipeline/models");
    const headFile = path.join(dir, "accurate-head.json.gz");
    // Restored from its JSON, as users will load it; the featuriser id lets the pipeline check what it was fitted on.
    const head = await headFromJSON(JSON.parse(pick.json));
    const bytes = await saveHead(head, headFile, { featuriser: { name: embedder.name, layer: best.layer } });
    const restoredTest = accuracyOf(head, te.x, te.y);
    head.dispose();
    const config = { backbone: String(args.backbone), layer: best.layer, head: path.basename(headFile) };
    writeFileSync(path.join(dir, "accurate.json"), `${JSON.stringify(config, null, 2)}\n`);
    log(`shipped ${headFile} (${(bytes / 1e6).toFixed(2)} MB gzipped; ${pick.family}, ${pick.config}; restored head's test ${fmt(restoredTest)}) and accurate.json`);
  } else {
    log(`not shipped: ${pick.family} (${pick.config}), best on validation of the heads that fit in ${maxShipBytes / 1e6} MB, tests ${fmt(pick.test)}, not above route 1 (${fmt(route1)})`);
  }
}
embedder.dispose();
