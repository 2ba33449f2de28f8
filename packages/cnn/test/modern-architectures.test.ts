import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decodeFaceFile } from "@fer/preprocess/node";
import { ARCHITECTURE_SPECS, buildModel, FEATURE_LAYERS, isArchitecture, LOGITS_LAYER, MODERN_ARCHITECTURES } from "../src/architectures.js";
import { initBackend } from "@fer/runtime";
import { forwardFlops } from "../src/flops.js";
import { loadLayersModel, saveLayersModel } from "../src/model-io.js";
import { layersModelToOnnx } from "../src/onnx/layers-model.js";
import type { OnnxRuntime } from "@fer/runtime";
import { createOnnxStepRunner } from "../src/onnx-train-step.js";
import { createLocalStepRunner, stepSeed } from "../src/train-step.js";
import { requireOnnxRuntime } from "./onnxruntime.js";
import { maxAbs, maxAbsDiff } from "./differences.js";
import { randomArray, randomiseBatchNorm } from "./random.js";
import { fer2013 } from "./shared-data.js";

let ort: OnnxRuntime;
let work: string;
/** The first PER_CLASS FER2013 train faces of each class, scaled to [0, 1], and their labels. */
let faces: Float32Array;
let labels: Int32Array;
const PER_CLASS = 4;
const SIZE = 48;

beforeAll(async () => {
  await initBackend();
  ort = await requireOnnxRuntime();
  work = await mkdtemp(join(tmpdir(), "fer-cnn-modern-"));
  const classes = (await readdir(fer2013("train"))).sort();
  const pixels: number[] = [];
  const ys: number[] = [];
  for (const [label, cls] of classes.entries()) {
    for (const f of (await readdir(join(fer2013("train"), cls))).sort().slice(0, PER_CLASS)) {
      for (const v of await decodeFaceFile(join(fer2013("train"), cls, f), SIZE)) pixels.push(v / 255);
      ys.push(label);
    }
  }
  faces = Float32Array.from(pixels);
  labels = Int32Array.from(ys);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function movingStatistics(model: tfl.LayersModel): Float32Array[] {
  return model.weights.filter((w) => /moving_(mean|variance)$/.test(w.originalName)).map((w) => w.read().dataSync() as Float32Array);
}



describe("the modern architectures", () => {
  for (const arch of MODERN_ARCHITECTURES) {
    test(`${arch}: within the budget (10 MB of float32 weights), 64-d dense2 features, 7 linear logits`, () => {
      expect(isArchitecture(arch)).toBe(true);
      expect(ARCHITECTURE_SPECS[arch].output).toBe("logits");
      const model = buildModel(arch);
      const mb = (model.countParams() * 4) / 1e6;
      console.log(`${arch}: ${model.countParams()} parameters (${mb.toFixed(2)} MB), ${(forwardFlops(model) / 1e6).toFixed(1)} MFLOP per face`);
      expect(mb).toBeLessThan(10);
      expect(model.getLayer(FEATURE_LAYERS.dense2).outputShape).toEqual([null, 64]);
      const last = model.getLayer(LOGITS_LAYER);
      expect(model.outputLayers[0]).toBe(last);
      expect((last.getConfig() as { activation: string }).activation).toBe("linear");
      expect(model.outputs[0]!.shape).toEqual([null, 7]);
      expect(model.layers.some((l) => l.getClassName() === "BatchNormalization")).toBe(true);
      expect(model.layers.some((l) => l.getClassName() === "Dropout")).toBe(true);
      model.dispose();
    });

    test(`${arch}: the inference ONNX (batch norm folded) gives tfjs's logits and features on real faces`, async () => {
      const model = buildModel(arch, { seed: 7 });
      randomiseBatchNorm(model);
      const n = labels.length;
      const { bytes, names } = layersModelToOnnx(model);
      // Every batch norm folded into its convolution: no scale/shift constants of its own.
      expect(new TextDecoder("latin1").decode(bytes)).not.toMatch(/_bn_scale/);
      const session = await ort.InferenceSession.create(bytes);
      const outputs = await session.run({ [names.input]: new ort.Tensor("float32", faces, [n, SIZE, SIZE, 1]) });
      await session.release();
      const want = tf.tidy(() => {
        const probe = tfl.model({ inputs: model.inputs, outputs: [model.getLayer(FEATURE_LAYERS.dense2).output as tfl.SymbolicTensor, model.outputs[0]!] });
        return (probe.predict(tf.tensor4d(faces, [n, SIZE, SIZE, 1])) as tf.Tensor[]).map((t) => t.dataSync());
      });
      const got = [outputs[names.dense.dense2!]!.data as Float32Array, outputs[names.scores]!.data as Float32Array];
      const diff = Math.max(maxAbsDiff(got[0]!, want[0]!), maxAbsDiff(got[1]!, want[1]!));
      const scale = Math.max(...want[1]!.map(Math.abs));
      console.log(`${arch}: inference ONNX vs tfjs predict, ${n} faces: max abs difference ${diff.toExponential(2)} (largest logit ${scale.toFixed(3)})`);
      expect(scale).toBeGreaterThan(0.1);
      expect(diff).toBeLessThan(1e-4);
      model.dispose();
    });

    test(`${arch}: training on real faces lowers the loss, moves the batch-norm statistics, and checkpoints carry them`, async () => {
      const n = labels.length;
      const model = buildModel(arch, { seed: 11 });
      const before = movingStatistics(model);
      const optimizer = tf.train.adam(1e-3);
      const runner = await createOnnxStepRunner({ model, output: "logits", size: SIZE }, optimizer, 0, ort, 2);
      const losses: number[] = [];
      for (let i = 0; i < 8; i++) losses.push((await runner.step(faces, labels, n, { seed: stepSeed(1, 1, i * n) })).lossSum / n);
      await runner.dispose();
      console.log(`${arch}: loss over 8 onnxruntime steps on ${n} FER2013 faces: ${losses.map((l) => l.toFixed(3)).join(", ")}`);
      expect(Math.max(...losses.slice(-2))).toBeLessThan(losses[0]! - 0.2);
      const after = movingStatistics(model);
      expect(Math.max(...after.map((a, i) => maxAbsDiff(a, before[i]!)))).toBeGreaterThan(1e-3);
      await saveLayersModel(model, join(work, arch));
      const loaded = await loadLayersModel(join(work, arch));
      expect(movingStatistics(loaded)).toEqual(after);
      loaded.dispose();
      optimizer.dispose();
      model.dispose();
    });

    test(`${arch}: two steps on tfjs (wasm) leave the weights and statistics two onnxruntime steps leave`, async () => {
      // The central 24x24 of real faces, plus a little noise: flat regions give max-pooling windows whose maxima tie up to
      // float rounding, and the two engines' convolutions round differently, so the gradient may go to another pixel.
      const n = 14;
      const side = 24;
      const noise = randomArray(n * side * side, 8);
      const x = Float32Array.from({ length: n * side * side }, (_, i) => {
        const [b, r, c] = [Math.floor(i / (side * side)), Math.floor(i / side) % side, i % side];
        return faces[(b * SIZE + r + 12) * SIZE + c + 12]! + 0.02 * noise[i]!;
      });
      const y = labels.subarray(0, n);
      // Soft targets (labels smoothed by 0.1) on the second step.
      const targets = new Float32Array(n * 7).fill(0.1 / 7);
      y.forEach((l, i) => (targets[i * 7 + l]! += 0.9));
      const after = async (engine: "onnxruntime" | "tfjs") => {
        const model = buildModel(arch, { seed: 5, inputSize: side });
        // Plain SGD: Adam's first steps would turn float noise in near-zero gradients into steps of the full rate.
        const optimizer = tf.train.sgd(0.01);
        const spec = { model, output: "logits" as const, size: side };
        const runner = engine === "onnxruntime" ? await createOnnxStepRunner(spec, optimizer, 0, ort, 1) : createLocalStepRunner(spec, optimizer, 0);
        const results = [await runner.step(x, y, n, { seed: 3 }), await runner.step(x, y, n, { seed: 4, targets })];
        await runner.dispose();
        const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
        optimizer.dispose();
        model.dispose();
        return { results, weights };
      };
      const onnx = await after("onnxruntime");
      const tfjs = await after("tfjs");
      console.log(`${arch}: losses onnxruntime ${onnx.results.map((r) => r.lossSum / n).join(", ")}, tfjs ${tfjs.results.map((r) => r.lossSum / n).join(", ")}`);
      // The first step agrees to float rounding. After it the engines drift apart on real faces more than on the random
      // cases of training-graph-ops.test.ts (there 1e-5): measured 2.3e-3 of a weight's scale for vgg-bn and 1.7e-4 for
      // resnet after the second step. A ReLU input or max-pooling tie within float rounding goes either way, and the
      // gradient jumps there (the README's note on full-size vgg-bn; wasm-gradients.test.ts compares a whole step).
      expect(Math.abs(onnx.results[0]!.lossSum - tfjs.results[0]!.lossSum) / tfjs.results[0]!.lossSum).toBeLessThan(1e-5);
      expect(onnx.results[0]!.correct).toBe(tfjs.results[0]!.correct);
      expect(Math.abs(onnx.results[1]!.lossSum - tfjs.results[1]!.lossSum) / tfjs.results[1]!.lossSum).toBeLessThan(5e-3);
      const diff = Math.max(...onnx.weights.map((w, i) => maxAbsDiff(w, tfjs.weights[i]!) / Math.max(1, maxAbs(tfjs.weights[i]!))));
      console.log(`${arch}: weights and moving statistics after two steps, onnxruntime vs tfjs: largest difference ${diff.toExponential(2)} of the weight's scale`);
      expect(diff).toBeLessThan(1e-2);
      const initial = buildModel(arch, { seed: 5, inputSize: side });
      expect(Math.max(...initial.getWeights().map((w, i) => maxAbsDiff(w.dataSync(), onnx.weights[i]!)))).toBeGreaterThan(1e-4);
      initial.dispose();
    });
  }
});
