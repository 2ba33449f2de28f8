import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, test } from "vitest";
import { buildModel, MODERN_ARCHITECTURES, type OutputKind } from "../src/architectures.js";
import { initBackend } from "@fer/runtime";
import { createCpuSession, type OnnxRuntime, type OnnxTensor } from "@fer/runtime";
import { layersModelToOnnxTraining, TrainingGraphError } from "../src/onnx/training-graph.js";
import { dataGradients, disposeStatistics, dropoutMasks, trainableVariables } from "../src/train-step.js";
import { requireOnnxRuntime } from "./onnxruntime.js";
import { maxAbs, maxAbsDiff } from "./differences.js";
import { randomArray } from "./random.js";

/*
 * The training graph's new operations, each checked against tfjs's gradients (tf.variableGrads on the cpu backend) on
 * small random networks: strided and 'valid' convolutions, batch normalisation (batch statistics, on images and on
 * Dense outputs), ReLU layers, residual additions, global average pooling, dropout with given masks, and soft targets.
 */

let ort: OnnxRuntime;
beforeAll(async () => {
  await tf.setBackend("cpu");
  ort = await requireOnnxRuntime();
});

type Build = (x: tfl.SymbolicTensor) => tfl.SymbolicTensor;
const seq = (...layers: tfl.layers.Layer[]): Build => (x) => layers.reduce((t, l) => l.apply(t) as tfl.SymbolicTensor, x);
let seed = 100;
const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
const conv = (filters: number, kernelSize: number, strides = 1, padding: "same" | "valid" = "same", extra: { activation?: "relu"; useBias?: boolean } = {}) =>
  tfl.layers.conv2d({ filters, kernelSize, strides, padding, kernelInitializer: init(), biasInitializer: "randomNormal", ...extra });
const bn = () => tfl.layers.batchNormalization({ gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: seed++ }), betaInitializer: tfl.initializers.randomNormal({ stddev: 0.3, seed: seed++ }) });
const logits = (output: OutputKind) => tfl.layers.dense({ units: 7, activation: output === "softmax" ? "softmax" : "linear", kernelInitializer: init(), name: "logits" });

function modelOf(size: number, body: Build, output: OutputKind): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 1] });
  return tfl.model({ inputs: input, outputs: logits(output).apply(body(input)) as tfl.SymbolicTensor });
}



/** Random target distributions (rows sum to 1), or one-hot labels. */
function targetsOf(n: number, labels: Int32Array, soft: boolean): Float32Array {
  const t = new Float32Array(n * 7);
  if (!soft) {
    labels.forEach((l, i) => (t[i * 7 + l] = 1));
    return t;
  }
  const r = randomArray(n * 7, 77);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < 7; c++) s += t[i * 7 + c] = Math.exp(2 * r[i * 7 + c]!);
    for (let c = 0; c < 7; c++) t[i * 7 + c]! /= s;
  }
  return t;
}

/**
 * Runs the ONNX training graph and tfjs's variableGrads on the same faces, targets and dropout masks; returns the
 * largest absolute gradient difference relative to the largest gradient (both printed), after checking the loss,
 * the right answers and the batch statistics.
 */
async function compare(what: string, model: tfl.LayersModel, output: OutputKind, size: number, options: { soft?: boolean; n?: number; x?: Float32Array } = {}): Promise<number> {
  const n = options.n ?? 6;
  const x = options.x ?? randomArray(n * size * size, 17).map((v) => (v + 1) / 2);
  const y = Int32Array.from({ length: n }, (_, i) => (i * 3) % 7);
  const targets = targetsOf(n, y, options.soft === true);
  const masks = dropoutMasks(model, n, 12345);
  const { variables } = trainableVariables(model);
  const reference = dataGradients({ model, output, size }, variables, x, y, n, { masks, ...(options.soft ? { targets } : {}) });

  const graph = layersModelToOnnxTraining(model, output);
  const session = await createCpuSession(ort, graph.bytes, 1, "extended");
  const feeds: Record<string, OnnxTensor> = {
    [graph.input]: new ort.Tensor("float32", x, [n, size, size, 1]),
    [graph.labels]: new ort.Tensor("float32", targets, [n, 7]),
  };
  variables.forEach((v, i) => (feeds[graph.weights[i]!] = new ort.Tensor("float32", v.dataSync() as Float32Array, v.shape)));
  for (const d of graph.dropout) feeds[d.feed] = new ort.Tensor("float32", masks.get(d.layer)!, [n, ...d.shape]);
  const out = await session.run(feeds);
  await session.release();

  expect((out[graph.loss]!.data as Float32Array)[0]).toBeCloseTo(reference.loss.dataSync()[0]!, 4);
  expect((out[graph.hits]!.data as Float32Array)[0]).toBe(reference.hits.dataSync()[0]);
  expect(graph.batchNorm.map((s) => s.layer)).toEqual(reference.stats.map((s) => s.layer));
  let statDiff = 0;
  graph.batchNorm.forEach((s, i) => {
    const ref = reference.stats[i]!;
    statDiff = Math.max(statDiff, maxAbsDiff(out[s.mean]!.data as Float32Array, (ref.mean as tf.Tensor).dataSync()), maxAbsDiff(out[s.variance]!.data as Float32Array, (ref.variance as tf.Tensor).dataSync()));
  });
  expect(statDiff).toBeLessThan(1e-4);
  let diff = 0;
  let scale = 1e-3;
  reference.grads.forEach((g, i) => {
    const want = g.dataSync();
    diff = Math.max(diff, maxAbsDiff(want, out[graph.gradients[i]!]!.data as Float32Array));
    scale = Math.max(scale, maxAbs(want));
  });
  console.log(`${what}: ${variables.length} gradients, max abs difference ${diff.toExponential(2)} (largest gradient ${scale.toExponential(2)}); batch statistics ${statDiff.toExponential(2)}`);
  tf.dispose([...reference.grads, reference.loss, reference.hits]);
  disposeStatistics(reference.stats);
  return diff / scale;
}

describe("training graph operations match tfjs's gradients (cpu)", () => {
  test("strided convolutions ('same' and 'valid', odd and even sides, 1x1 and 3x3, with and without bias)", async () => {
    for (const size of [11, 12]) {
      const body = seq(
        conv(4, 3, 2, "same", { activation: "relu" }),
        conv(5, 3, 2, "valid", { activation: "relu" }),
        conv(3, 1, 1, "same", { useBias: false }),
        tfl.layers.flatten(),
      );
      const model = modelOf(size, body, "logits");
      expect(await compare(`stride 2 convolutions, ${size}x${size}`, model, "logits", size)).toBeLessThan(1e-4);
      model.dispose();
    }
    const oneByOne = modelOf(9, seq(conv(4, 3, 1, "valid", { activation: "relu" }), conv(6, 1, 2, "same", { useBias: false }), tfl.layers.flatten()), "logits");
    expect(await compare("3x3 'valid' then 1x1 stride 2", oneByOne, "logits", 9)).toBeLessThan(1e-4);
    oneByOne.dispose();
  });

  test("max pooling with ties (flat regions, as real faces have): the gradient goes to one position per window", async () => {
    const size = 12;
    const n = 6;
    // Faces of constant 6x6 blocks: a 3x3 convolution gives equal values inside each block, so pooling windows tie.
    const levels = randomArray(n * 4, 5);
    const x = Float32Array.from({ length: n * size * size }, (_, i) => {
      const [b, r, c] = [Math.floor(i / (size * size)), Math.floor(i / size) % size, i % size];
      return (levels[b * 4 + Math.floor(r / 6) * 2 + Math.floor(c / 6)]! + 1) / 2;
    });
    const model = modelOf(size, seq(conv(4, 3, 1, "same", { activation: "relu" }), tfl.layers.maxPooling2d({ poolSize: 2 }), conv(4, 3, 1, "same", { activation: "relu" }), tfl.layers.maxPooling2d({ poolSize: 2 }), tfl.layers.flatten()), "logits");
    expect(await compare("max pooling with ties", model, "logits", size, { x })).toBeLessThan(1e-4);
    model.dispose();
  });

  test("vgg-bn's last stage: two conv + batch norm + ReLU on a 6x6 map, then max pooling", async () => {
    const body = seq(
      conv(8, 3, 1, "same", { activation: "relu" }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      conv(16, 3, 1, "same", { useBias: false }),
      bn(),
      tfl.layers.reLU(),
      conv(16, 3, 1, "same", { useBias: false }),
      bn(),
      tfl.layers.reLU(),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
    );
    const model = modelOf(12, body, "logits");
    expect(await compare("conv-bn-relu x2 on 6x6, max pooling", model, "logits", 12, { n: 14 })).toBeLessThan(1e-4);
    model.dispose();
  });

  test("batch normalisation on images and on Dense outputs, ReLU layers, global average pooling", async () => {
    const body = seq(
      conv(4, 3, 1, "same", { useBias: false }),
      bn(),
      tfl.layers.reLU(),
      conv(6, 3, 2, "same", { useBias: false }),
      bn(),
      tfl.layers.activation({ activation: "relu" }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 5, kernelInitializer: init() }),
      bn(),
      tfl.layers.reLU(),
    );
    const model = modelOf(10, body, "logits");
    expect(await compare("batch norm + ReLU + global average pooling", model, "logits", 10)).toBeLessThan(1e-4);
    model.dispose();
  });

  test("residual additions (identity and 1x1 stride-2 projection): gradients of a layer read twice are summed", async () => {
    const input = tfl.input({ shape: [12, 12, 1] });
    const stem = tfl.layers.reLU().apply(bn().apply(conv(4, 3, 1, "same", { useBias: false }).apply(input))) as tfl.SymbolicTensor;
    const a = bn().apply(conv(4, 3, 1, "same", { useBias: false }).apply(tfl.layers.reLU().apply(bn().apply(conv(4, 3, 1, "same", { useBias: false }).apply(stem))))) as tfl.SymbolicTensor;
    const block1 = tfl.layers.reLU().apply(tfl.layers.add().apply([a, stem])) as tfl.SymbolicTensor;
    const b = bn().apply(conv(6, 3, 2, "same", { useBias: false }).apply(block1)) as tfl.SymbolicTensor;
    const proj = bn().apply(conv(6, 1, 2, "same", { useBias: false }).apply(block1)) as tfl.SymbolicTensor;
    const block2 = tfl.layers.reLU().apply(tfl.layers.add().apply([b, proj])) as tfl.SymbolicTensor;
    const out = logits("logits").apply(tfl.layers.globalAveragePooling2d({}).apply(block2)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    expect(await compare("residual blocks", model, "logits", 12)).toBeLessThan(1e-4);
    model.dispose();
  });

  test("dropout on images and on Dense outputs, with the step's masks", async () => {
    const body = seq(conv(4, 3, 1, "same", { activation: "relu" }), tfl.layers.dropout({ rate: 0.3 }), tfl.layers.flatten(), tfl.layers.dense({ units: 8, activation: "relu", kernelInitializer: init() }), tfl.layers.dropout({ rate: 0.5 }));
    const model = modelOf(8, body, "logits");
    const masks = dropoutMasks(model, 6, 12345);
    // Both masks drop about their rate and scale the rest by 1 / (1 - rate); another seed draws other masks.
    const [image, dense] = [...masks.values()];
    expect(image!.length).toBe(6 * 8 * 8 * 4);
    expect(image!.filter((v) => v === 0).length / image!.length).toBeCloseTo(0.3, 1);
    expect(new Set(image)).toEqual(new Set([0, Math.fround(1 / 0.7)]));
    expect(dense!.filter((v) => v === 0).length / dense!.length).toBeGreaterThan(0.3);
    expect(dropoutMasks(model, 6, 12345)).toEqual(masks);
    expect(dropoutMasks(model, 6, 12346).get(model.layers[2]!.name)).not.toEqual(image);
    expect(await compare("dropout", model, "logits", 8)).toBeLessThan(1e-4);
    model.dispose();
  });

  test("soft targets: cross-entropy from the logits against any distribution, gradient softmax - target", async () => {
    const model = modelOf(8, seq(conv(4, 3, 2, "same", { activation: "relu" }), tfl.layers.flatten()), "logits");
    expect(await compare("soft targets, logits output", model, "logits", 8, { soft: true })).toBeLessThan(1e-4);
    model.dispose();
    const softmax = modelOf(8, seq(conv(4, 3, 2, "same", { activation: "relu" }), tfl.layers.flatten()), "softmax");
    const { variables } = trainableVariables(softmax);
    // Soft targets need the cross-entropy from the logits: the clipped-probability loss refuses them.
    expect(() => dataGradients({ model: softmax, output: "softmax", size: 8 }, variables, new Float32Array(64), new Int32Array(1), 1, { targets: new Float32Array(7).fill(1 / 7) })).toThrow(/soft targets/);
    softmax.dispose();
  });

  // The whole networks on tfjs's wasm backend (the cpu backend takes half a minute each; wasm-gradients.test.ts and
  // modern-architectures.test.ts check wasm's gradients against cpu's).
  for (const arch of MODERN_ARCHITECTURES) {
    test(`architecture ${arch} (16x16 input): every gradient and batch statistic (tfjs on wasm)`, async () => {
      await initBackend();
      const model = buildModel(arch, { inputSize: 16, seed: 3 });
      expect(await compare(arch, model, "logits", 16, { n: 5, soft: true })).toBeLessThan(1e-4);
      model.dispose();
      await tf.setBackend("cpu");
    });
  }

  test("refuses layers it cannot train, naming the layer", () => {
    const input = tfl.input({ shape: [8, 8, 1] });
    const dilated = tfl.layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, padding: "same", activation: "relu", name: "dilated" }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: logits("linear").apply(tfl.layers.flatten().apply(dilated)) as tfl.SymbolicTensor });
    expect(() => layersModelToOnnxTraining(model, "linear")).toThrow(TrainingGraphError);
    expect(() => layersModelToOnnxTraining(model, "linear")).toThrow(/dilated/);
    const upsampled = tfl.layers.upSampling2d({ name: "up" }).apply(input) as tfl.SymbolicTensor;
    const up = tfl.model({ inputs: input, outputs: logits("linear").apply(tfl.layers.flatten().apply(upsampled)) as tfl.SymbolicTensor });
    expect(() => layersModelToOnnxTraining(up, "linear")).toThrow(/layer up: UpSampling2D layers are not supported/);
    model.dispose();
    up.dispose();
  });
});
