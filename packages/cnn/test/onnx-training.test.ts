import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadFolderDataset, type FaceDataset } from "@fer/preprocess/node";
import { ARCHITECTURE_SPECS, ARCHITECTURES, buildModel } from "../src/architectures.js";
import { initBackend } from "@fer/runtime";
import { createCpuSession, type OnnxRuntime } from "@fer/runtime";
import { layersModelToOnnxTraining, TrainingGraphError } from "../src/onnx/training-graph.js";
import { createOnnxStepRunner } from "../src/onnx-train-step.js";
import { createLocalStepRunner, dataGradients, trainableVariables } from "../src/train-step.js";
import type { CrossEntropyFrom } from "../src/losses.js";
import { trainCnn } from "../src/train.js";
import { requireOnnxRuntime } from "./onnxruntime.js";
import { randomArray } from "./random.js";
import { fer2013 } from "./shared-data.js";

let ort: OnnxRuntime;
let work: string;

beforeAll(async () => {
  // The reference is tfjs on the backend fer picks (wasm here; its gradient kernels are checked against cpu's in
  // wasm-gradients.test.ts).
  await initBackend();
  ort = await requireOnnxRuntime();
  work = await mkdtemp(join(tmpdir(), "fer-cnn-onnx-train-"));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Deterministic gray values in [0, 1). */
function randomFaces(n: number, seed: number): Float32Array {
  return randomArray(n, seed).map((v) => (v + 1) / 2);
}

/** Largest |a - b| relative to the largest |a| (at least 1e-3, so all-tiny gradients are compared absolutely). */
function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1e-3;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return diff / scale;
}

function maxAbs(t: tf.Tensor): number {
  return (t.dataSync() as Float32Array).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

async function runGraph(model: tfl.LayersModel, arch: (typeof ARCHITECTURES)[number], x: Float32Array, y: Int32Array, n: number, size: number, crossEntropy?: CrossEntropyFrom) {
  const graph = layersModelToOnnxTraining(model, ARCHITECTURE_SPECS[arch].output, crossEntropy);
  const session = await createCpuSession(ort, graph.bytes, 1, "extended");
  const oneHot = new Float32Array(n * 7);
  y.forEach((label, i) => (oneHot[i * 7 + label] = 1));
  const feeds = {
    [graph.input]: new ort.Tensor("float32", x, [n, size, size, 1]),
    [graph.labels]: new ort.Tensor("float32", oneHot, [n, 7]),
  };
  trainableVariables(model).variables.forEach((v, i) => {
    feeds[graph.weights[i]!] = new ort.Tensor("float32", v.dataSync() as Float32Array, v.shape);
  });
  const out = await session.run(feeds);
  await session.release();
  return { graph, out };
}

describe("onnxruntime training graph", () => {
  // 14x14 faces: the pools see 14, 7 (odd: the last row and column are dropped) and 3 (odd again).
  for (const arch of ARCHITECTURES) {
    test(`architecture ${arch}: loss, right answers and every weight's gradient match tfjs`, async () => {
      const size = 14;
      const n = 6;
      const model = buildModel(arch, { inputSize: size, seed: 5 });
      const x = randomFaces(n * size * size, 17);
      const y = Int32Array.from({ length: n }, (_, i) => (i * 3) % 7);
      const { variables } = trainableVariables(model);
      const reference = dataGradients({ model, output: ARCHITECTURE_SPECS[arch].output, size }, variables, x, y, n);
      const { graph, out } = await runGraph(model, arch, x, y, n, size);
      expect((out[graph.loss]!.data as Float32Array)[0]).toBeCloseTo(reference.loss.dataSync()[0]!, 5);
      expect((out[graph.hits]!.data as Float32Array)[0]).toBe(reference.hits.dataSync()[0]);
      const worst = Math.max(...reference.grads.map((g, i) => relativeDiff(g.dataSync(), out[graph.gradients[i]!]!.data as Float32Array)));
      console.log(`${arch}: ${variables.length} gradients, largest difference ${worst.toExponential(2)} of the largest value`);
      expect(worst).toBeLessThan(1e-4);
      tf.dispose([...reference.grads, reference.loss, reference.hits]);
      model.dispose();
    });
  }

  test("cross-entropy from the logits: the clipped loss where nothing is clipped, tfjs's gradients, and gradients where the softmax saturates", async () => {
    const size = 14;
    const n = 6;
    const y = Int32Array.from({ length: n }, (_, i) => (i * 2) % 7);
    const x = randomFaces(n * size * size, 23);
    for (const arch of ["A", "C"] as const) {
      const model = buildModel(arch, { inputSize: size, seed: 4 });
      const { variables } = trainableVariables(model);
      const lossSpec = { model, output: ARCHITECTURE_SPECS[arch].output, size };
      const clipped = dataGradients(lossSpec, variables, x, y, n);
      const fromLogits = dataGradients({ ...lossSpec, crossEntropy: "logits" }, variables, x, y, n);
      // Small initial logits: nothing is clipped, so both ways give the same loss and gradients.
      expect(fromLogits.loss.dataSync()[0]).toBeCloseTo(clipped.loss.dataSync()[0]!, 5);
      expect(Math.max(...fromLogits.grads.map((g, i) => relativeDiff(clipped.grads[i]!.dataSync(), g.dataSync())))).toBeLessThan(1e-4);
      const { graph, out } = await runGraph(model, arch, x, y, n, size, "logits");
      expect((out[graph.loss]!.data as Float32Array)[0]).toBeCloseTo(fromLogits.loss.dataSync()[0]!, 5);
      expect(Math.max(...fromLogits.grads.map((g, i) => relativeDiff(g.dataSync(), out[graph.gradients[i]!]!.data as Float32Array)))).toBeLessThan(1e-4);

      // Saturate the softmax (a bias of 100 on the last class): every label's probability is clipped (below 1e-7, or
      // above 1 - 1e-7 for the faces labelled with that class), so clipped probabilities give no gradient at all.
      const last = model.getLayer("logits");
      last.setWeights([last.getWeights()[0]!.clone(), tf.tensor1d([0, 0, 0, 0, 0, 0, 100])]);
      const deadClipped = dataGradients(lossSpec, variables, x, y, n);
      const live = dataGradients({ ...lossSpec, crossEntropy: "logits" }, variables, x, y, n);
      expect(Math.max(...deadClipped.grads.map(maxAbs))).toBe(0);
      expect(Math.max(...live.grads.map(maxAbs))).toBeGreaterThan(1e-3);
      expect(live.loss.dataSync()[0]).toBeGreaterThan(16.2); // beyond -log(1e-7), where clipping caps the loss
      const saturated = await runGraph(model, arch, x, y, n, size, "logits");
      expect((saturated.out[saturated.graph.loss]!.data as Float32Array)[0]).toBeCloseTo(live.loss.dataSync()[0]!, 3);
      expect(Math.max(...live.grads.map((g, i) => relativeDiff(g.dataSync(), saturated.out[saturated.graph.gradients[i]!]!.data as Float32Array)))).toBeLessThan(1e-4);
      tf.dispose([clipped, fromLogits, deadClipped, live].flatMap((r) => [...r.grads, r.loss, r.hits]));
      model.dispose();
    }
  });

  test("two Adam steps on onnxruntime leave the weights tfjs's own steps leave (L2 on the last kernel included)", async () => {
    const size = 12;
    const n = 8;
    const x = randomFaces(n * size * size, 3);
    const y = Int32Array.from({ length: n }, (_, i) => i % 7);
    const weightsAfter = async (engine: "onnxruntime" | "tfjs") => {
      const model = buildModel("F", { inputSize: size, seed: 9 });
      const optimizer = tf.train.adam(1e-3);
      const spec = { model, output: ARCHITECTURE_SPECS.F.output, size };
      const runner = engine === "onnxruntime" ? await createOnnxStepRunner(spec, optimizer, ARCHITECTURE_SPECS.F.l2, ort, 1) : createLocalStepRunner(spec, optimizer, ARCHITECTURE_SPECS.F.l2);
      const results = [await runner.step(x, y, n), await runner.step(x, y, n)];
      await runner.dispose();
      const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
      optimizer.dispose();
      model.dispose();
      return { results, weights };
    };
    const onnx = await weightsAfter("onnxruntime");
    const tfjs = await weightsAfter("tfjs");
    onnx.results.forEach((r, i) => {
      expect(Math.abs(r.lossSum - tfjs.results[i]!.lossSum) / tfjs.results[i]!.lossSum).toBeLessThan(1e-5);
      expect(r.correct).toBe(tfjs.results[i]!.correct);
    });
    const worst = Math.max(...onnx.weights.map((w, i) => relativeDiff(tfjs.weights[i]!, w)));
    expect(worst).toBeLessThan(1e-4);
    // The steps moved the weights: the comparison is not between two untouched copies.
    const initial = buildModel("F", { inputSize: size, seed: 9 });
    expect(Math.max(...initial.getWeights().map((w, i) => relativeDiff(w.dataSync(), onnx.weights[i]!)))).toBeGreaterThan(1e-3);
    initial.dispose();
  });

  test("refuses layers it cannot train, naming the layer", () => {
    const input = tfl.input({ shape: [8, 8, 1] });
    const pooled = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: "overlapping" }).apply(input) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 7, name: "logits" }).apply(tfl.layers.flatten().apply(pooled) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    expect(() => layersModelToOnnxTraining(model, "linear")).toThrow(TrainingGraphError);
    expect(() => layersModelToOnnxTraining(model, "linear")).toThrow(/overlapping/);
    const softmaxModel = buildModel("A", { inputSize: 8 });
    expect(() => layersModelToOnnxTraining(softmaxModel, "linear")).toThrow(/activation softmax/);
    model.dispose();
    softmaxModel.dispose();
  });
});

describe("training on onnxruntime", () => {
  let data: FaceDataset;
  beforeAll(async () => {
    for (const cls of await readdir(fer2013("train"))) {
      const files = (await readdir(join(fer2013("train"), cls))).sort().slice(0, 30);
      await mkdir(join(work, "data", cls), { recursive: true });
      await Promise.all(files.map((f) => copyFile(join(fer2013("train"), cls, f), join(work, "data", cls, f))));
    }
    data = (await loadFolderDataset(join(work, "data"), { cache: false })).dataset;
  });

  test("lowers the loss, records the engine in the card, and a run resumes on the other engine", async () => {
    const outDir = join(work, "run");
    const base = { architecture: "A", outDir, batchSize: 32, mirror: false, progress: false, seed: 4 } as const;
    const first = await trainCnn(data, { ...base, epochs: 3, engine: "onnxruntime" });
    expect(first.log).toHaveLength(3);
    expect(first.log[2]!.loss).toBeLessThan(first.log[0]!.loss);
    expect(first.card?.training.backend).toBe("onnxruntime");
    const resumed = await trainCnn(data, { ...base, epochs: 4, resume: true, engine: "tfjs" });
    expect(resumed.log.slice(0, 3)).toEqual(first.log);
    expect(resumed.log).toHaveLength(4);
    expect(Number.isFinite(resumed.log[3]!.loss)).toBe(true);
    await expect(trainCnn(data, { ...base, outDir: join(work, "bad"), epochs: 1, engine: "gpu" as "tfjs" })).rejects.toThrow(/engine must be/);
  });
});
