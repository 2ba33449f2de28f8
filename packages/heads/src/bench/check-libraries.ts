/**
 * Measures the facts that decided which heads use a library and which use our own implementation:
 * - ml-random-forest: its predictProbability drops the first tree's vote; its fit time grows ~quadratically with n;
 * - ml-knn: query time of its kd-tree on 64-d features, and that it has no distance weighting;
 * - libsvm-js: fit time on growing subsets (C=0.1, gamma=0.01, RBF), and that its SVM.load() corrupts the models
 *   already loaded once a model's text exceeds ~1.3 MB (the text goes through emscripten's 5 MB stack).
 * Run: `pnpm --filter @fer/heads build && nice -n 10 node packages/heads/dist/bench/check-libraries.js`
 */
import { createRequire } from "node:module";
import { loadPooledPixels } from "./pooled-pixels.js";
import { Standardizer } from "../core/scaler.js";
import type { FeatureMatrix } from "../core/matrix.js";
import { loadLibsvm } from "../svm/libsvm.js";

const require = createRequire(import.meta.url);

interface MlForest {
  train(X: number[][], y: number[]): void;
  predict(X: number[][]): number[];
  predictProbability(X: number[][], label: number): number[];
  predictionValues(X: number[][]): { getRow(i: number): number[] };
}
interface MlKnn {
  predict(X: number[][]): number[];
}
const { RandomForestClassifier } = require("ml-random-forest") as {
  RandomForestClassifier: new (o: object) => MlForest;
};
const KNN = require("ml-knn") as new (X: number[][], y: number[], o: object) => MlKnn;

function rows(m: FeatureMatrix, n: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** Wall and CPU seconds since `start` (CPU: this process, all threads; the machine may be shared). */
function seconds(start: { wall: number; cpu: NodeJS.CpuUsage }): string {
  const c = process.cpuUsage(start.cpu);
  return `${((performance.now() - start.wall) / 1000).toFixed(2)} s wall, ${((c.user + c.system) / 1e6).toFixed(2)} s CPU`;
}

function now(): { wall: number; cpu: NodeJS.CpuUsage } {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};

const train = await loadPooledPixels("train");
const scaler = Standardizer.fit(train.features);
const X = scaler.transform(train.features);
// A shuffled order so that subsets hold every class.
const order = Array.from({ length: X.rows }, (_, i) => i).sort((a, b) => ((a * 2654435761) >>> 0) - ((b * 2654435761) >>> 0));
const Xs: FeatureMatrix = { rows: X.rows, cols: X.cols, data: new Float32Array(X.data.length) };
const ys: number[] = [];
order.forEach((r, i) => {
  Xs.data.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), i * X.cols);
  ys.push(train.labels[r]!);
});
const allRows = rows(Xs, Xs.rows);

console.log("## ml-random-forest 2.1.0: predictProbability vs per-tree votes");
{
  const n = 300;
  const rf = new RandomForestClassifier({ nEstimators: 5, maxFeatures: 0.5, seed: 3, noOOB: true });
  rf.train(allRows.slice(0, n), ys.slice(0, n));
  const q = allRows.slice(n, n + 200);
  const pv = rf.predictionValues(q);
  let mismatches = 0;
  let example = "";
  for (const label of [0, 3, 6]) {
    const p = rf.predictProbability(q, label);
    for (let i = 0; i < q.length; i++) {
      const votes = pv.getRow(i);
      const frac = votes.filter((v) => v === label).length / votes.length;
      if (Math.abs(frac - p[i]!) > 1e-6) {
        mismatches++;
        if (!example) example = `label ${label}: tree votes [${votes.join(",")}] -> vote fraction ${frac}, predictProbability ${p[i]}`;
      }
    }
  }
  console.log(`mismatches: ${mismatches} of 600 (label, sample) pairs; e.g. ${example}`);
}

console.log("## ml-random-forest 2.1.0: fit time of 5 trees (maxFeatures 8/64, no bagging of features per split)");
for (const n of [arg("rf-n1", 1000), arg("rf-n2", 2000), arg("rf-n3", 4000)]) {
  const rf = new RandomForestClassifier({ nEstimators: 5, maxFeatures: 8, seed: 3, noOOB: true, useSampleBagging: false, treeOptions: { minNumSamples: 5 } });
  const t0 = now();
  rf.train(allRows.slice(0, n), ys.slice(0, n));
  console.log(`n=${n}: ${seconds(t0)}`);
}

console.log("## ml-knn 3.0.0: kd-tree query time on 28,709 x 64 (k=45; uniform votes only: no distance weighting option)");
{
  const t0 = now();
  const knn = new KNN(allRows, ys, { k: 45 });
  console.log(`build: ${seconds(t0)}`);
  const test = await loadPooledPixels("test");
  const q = rows(scaler.transform(test.features), arg("knn-queries", 20));
  const t1 = now();
  knn.predict(q);
  const c = process.cpuUsage(t1.cpu);
  console.log(`${q.length} queries: ${((performance.now() - t1.wall) / q.length).toFixed(1)} ms/query wall, ${((c.user + c.system) / 1000 / q.length).toFixed(1)} ms/query CPU`);
}

console.log("## libsvm-js 0.2.1: SVM.load() of a large model corrupts the models already in the heap");
{
  // 1,050 faces pooled to 12x12 = 144-d, C = 0.1: the model text (~2.2 MB) exceeds what emscripten's 5 MB stack holds
  // at the 4 bytes per character SVM.load() reserves there; the C code's stack then runs over the heap.
  const lib = await loadLibsvm();
  const small = await loadPooledPixels("train", { perClass: 150, grid: 12 });
  const q = await loadPooledPixels("test", { perClass: 30, grid: 12 });
  const sc = Standardizer.fit(small.features);
  const xs = sc.transform(small.features);
  const qs = rows(sc.transform(q.features), q.features.rows);
  const svm = new lib.SVM({ kernel: lib.SVM.KERNEL_TYPES.RBF, type: lib.SVM.SVM_TYPES.C_SVC, cost: 0.1, gamma: 0.01, quiet: true });
  svm.train(rows(xs, xs.rows), Array.from(small.labels));
  const text = svm.serializeModel();
  svm.free();
  const a = lib.deserialize(text);
  const before = qs.map((r) => a.predictOne(r));
  const viaHeap = lib.deserialize(text);
  const afterSafe = qs.map((r) => a.predictOne(r));
  const viaStack = lib.SVM.load(text);
  const afterLoad = qs.map((r) => a.predictOne(r));
  const changed = (v: number[]) => before.filter((p, i) => p !== v[i]).length;
  console.log(`model text ${(text.length / 1e6).toFixed(2)} MB; SVM.load reserves ${((text.length * 4) / 1e6).toFixed(2)} MB of a 5.24 MB stack`);
  console.log(`predictions of model A (of ${qs.length}) changed after loading the same text again: via our heap copy ${changed(afterSafe)}, via SVM.load ${changed(afterLoad)}`);
  for (const m of [a, viaHeap, viaStack]) m.free();
}

console.log("## libsvm-js 0.2.1 (wasm): fit time, RBF C=0.1 gamma=0.01, no probability estimates");
{
  const { SVM } = await loadLibsvm();
  for (const n of [arg("svm-n1", 2000), arg("svm-n2", 4000), arg("svm-n3", 8000)]) {
    const svm = new SVM({ kernel: SVM.KERNEL_TYPES.RBF, type: SVM.SVM_TYPES.C_SVC, cost: 0.1, gamma: 0.01, quiet: true });
    const t0 = now();
    svm.train(allRows.slice(0, n), ys.slice(0, n));
    const fit = seconds(t0);
    const t1 = now();
    for (const r of allRows.slice(n, n + 200)) svm.predictOne(r);
    const c = process.cpuUsage(t1.cpu);
    console.log(`n=${n}: fit ${fit}; ${svm.getSVIndices().length} SVs; predict ${((c.user + c.system) / 1000 / 200).toFixed(2)} ms/sample CPU`);
    svm.free();
  }
}

