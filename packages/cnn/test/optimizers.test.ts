import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { AdamWOptimizer, createOptimizer, optimizerState, resolveOptimizerSpec, restoreOptimizerState, setOptimizerLearningRate } from "../src/optimizers.js";
import { assertBatchSchedule, batchLearningRate } from "../src/lr-schedule.js";
import { WeightAverage } from "../src/ema.js";
import { randomArray } from "./random.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Runs `steps` updates of `optimizer` on a kernel [2, 3] and a bias [3] with fixed pseudo-random gradients. */
function run(optimizer: tf.Optimizer, steps: number, from = 0, vars?: { kernel: tf.Variable; bias: tf.Variable }) {
  const kernel = vars?.kernel ?? tf.variable(tf.tensor(randomArray(6, 1), [2, 3]));
  const bias = vars?.bias ?? tf.variable(tf.tensor(randomArray(3, 2), [3]));
  for (let t = from; t < steps; t++) {
    optimizer.applyGradients({ [kernel.name]: tf.tensor(randomArray(6, 10 + t), [2, 3]), [bias.name]: tf.tensor(randomArray(3, 100 + t), [3]) });
  }
  return { kernel, bias };
}

/** PyTorch's AdamW (and SGD) written out in float64 on one parameter vector, as the reference. */
function referenceAdamW(w: number[], grads: (t: number) => number[], steps: number, lr: number, decay: number): number[] {
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    const g = grads(t - 1);
    for (let i = 0; i < w.length; i++) {
      w[i]! *= 1 - lr * decay;
      m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
      v[i] = 0.999 * v[i]! + 0.001 * g[i]! ** 2;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
      w[i]! -= (lr / (1 - 0.9 ** t)) * (m[i]! / denom);
    }
  }
  return w;
}

describe("optimisers", () => {
  it("AdamW matches PyTorch's update, decays kernels only, and equals Adam without decay", () => {
    const lr = 0.01;
    const { kernel, bias } = run(new AdamWOptimizer(lr, 0.1), 5);
    const refKernel = referenceAdamW(Array.from(randomArray(6, 1)), (t) => Array.from(randomArray(6, 10 + t)), 5, lr, 0.1);
    const refBias = referenceAdamW(Array.from(randomArray(3, 2)), (t) => Array.from(randomArray(3, 100 + t)), 5, lr, 0);
    Array.from(kernel.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(refKernel[i]!, 5));
    Array.from(bias.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(refBias[i]!, 5));
    // Without decay it is tfjs' Adam (which uses ε = 1e-7 and accumulated β powers: equal to float rounding).
    const adamw = run(new AdamWOptimizer(lr, 0), 5).kernel.dataSync();
    const adam = run(tf.train.adam(lr), 5).kernel.dataSync();
    Array.from(adamw).forEach((x, i) => expect(x).toBeCloseTo(adam[i]!, 5));
    expect(Array.from(adamw)).not.toEqual(Array.from(kernel.dataSync()));
  });

  it("SGD with momentum and Nesterov follow PyTorch's updates, with weight decay on kernels", () => {
    const lr = 0.1;
    const mu = 0.9;
    const wd = 0.01;
    for (const nesterov of [false, true]) {
      const { kernel, bias } = run(createOptimizer({ name: nesterov ? "nesterov" : "sgd", weightDecay: wd, momentum: mu }, lr), 4);
      const reference = (w0: Float32Array, seed: number, decay: number) => {
        const w = Array.from(w0);
        const buf = w.map(() => 0);
        for (let t = 0; t < 4; t++) {
          const g = Array.from(randomArray(w.length, seed + t)).map((x, i) => x + decay * w[i]!);
          for (let i = 0; i < w.length; i++) {
            buf[i] = mu * buf[i]! + g[i]!;
            w[i]! -= lr * (nesterov ? g[i]! + mu * buf[i]! : buf[i]!);
          }
        }
        return w;
      };
      const refK = reference(randomArray(6, 1), 10, wd);
      const refB = reference(randomArray(3, 2), 100, 0);
      Array.from(kernel.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(refK[i]!, 5));
      Array.from(bias.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(refB[i]!, 5));
    }
  });

  it("saved state restores exactly: 3 + 3 steps across a save equal 6 straight steps, bit for bit", async () => {
    for (const spec of [{ name: "adamw" as const }, { name: "nesterov" as const, weightDecay: 1e-3 }]) {
      const straight = run(createOptimizer(spec, 0.01), 6);
      const first = createOptimizer(spec, 0.01);
      const vars = run(first, 3);
      const saved = await optimizerState(first);
      const second = createOptimizer(spec, 0.01);
      await restoreOptimizerState(second, saved.specs, saved.data);
      run(second, 6, 3, vars);
      expect(Array.from(vars.kernel.dataSync())).toEqual(Array.from(straight.kernel.dataSync()));
      expect(Array.from(vars.bias.dataSync())).toEqual(Array.from(straight.bias.dataSync()));
    }
  });

  it("leaves no tensor behind: steps, rate changes, saving and restoring state, dispose", async () => {
    for (const spec of [{ name: "adam" as const }, { name: "adamw" as const }, { name: "sgd" as const, weightDecay: 0.01 }, { name: "nesterov" as const }]) {
      const x = tf.variable(tf.zeros([2, 2]));
      const before = tf.memory().numTensors;
      const first = createOptimizer(spec, 0.1);
      for (let i = 0; i < 3; i++) {
        setOptimizerLearningRate(first, 0.1 / (i + 1));
        tf.tidy(() => first.applyGradients({ [x.name]: tf.ones([2, 2]) }));
      }
      const saved = await optimizerState(first);
      await optimizerState(first);
      const second = createOptimizer(spec, 0.1);
      await restoreOptimizerState(second, saved.specs, saved.data);
      first.dispose();
      second.dispose();
      expect(tf.memory().numTensors, spec.name).toBe(before);
      x.dispose();
    }
  });

  it("sets the rate of every optimiser, and refuses impossible settings", () => {
    const move = (spec: Parameters<typeof createOptimizer>[0], lr: number) => {
      const x = tf.variable(tf.zeros([2, 2]));
      const opt = createOptimizer(spec, 1);
      setOptimizerLearningRate(opt, lr);
      opt.applyGradients({ [x.name]: tf.ones([2, 2]) });
      return Math.abs(x.dataSync()[0]!);
    };
    expect(move({ name: "sgd" }, 0.5)).toBeCloseTo(0.5, 6);
    expect(move({ name: "nesterov" }, 0.5)).toBeCloseTo(0.5 * 1.9, 6);
    expect(move({ name: "adamw", weightDecay: 0 }, 0.5)).toBeCloseTo(0.5, 4);
    expect(move({ name: "adam" }, 0.5)).toBeCloseTo(0.5, 4);
    expect(() => resolveOptimizerSpec({ name: "adam", weightDecay: 0.1 })).toThrow(/use adamw/);
    expect(() => resolveOptimizerSpec({ name: "sgd", momentum: 1 })).toThrow(/momentum/);
    expect(() => resolveOptimizerSpec({ name: "rmsprop" as "adam" })).toThrow(/one of/);
    expect(resolveOptimizerSpec({ name: "adamw" }).weightDecay).toBe(0.05);
  });
});

describe("batch learning-rate schedules", () => {
  it("cosine: linear warm-up to the peak, then half a cosine to the floor at the last batch", () => {
    const s = { kind: "cosine" as const, warmupEpochs: 1, minLearningRate: 1e-5 };
    const rates = Array.from({ length: 40 }, (_, i) => batchLearningRate(s, 0.1, i, 40, 10));
    expect(rates[0]).toBeCloseTo(0.01, 12);
    expect(rates[9]).toBeCloseTo(0.1, 12);
    expect(rates[10]).toBeCloseTo(0.1, 12);
    expect(rates[39]).toBeCloseTo(1e-5, 12);
    expect(rates[10 + 29 / 2]).toBeUndefined(); // (half-way is between batches 24 and 25)
    expect((rates[24]! + rates[25]!) / 2).toBeCloseTo((0.1 + 1e-5) / 2, 3);
    for (let i = 10; i < 39; i++) expect(rates[i + 1]!).toBeLessThan(rates[i]!);
    for (let i = 0; i < 9; i++) expect(rates[i + 1]!).toBeGreaterThan(rates[i]!);
  });

  it("one-cycle: from peak/div up to the peak, then down to peak/(div·final)", () => {
    const s = { kind: "one-cycle" as const, warmupEpochs: 2, divFactor: 25, finalDivFactor: 1e4 };
    expect(batchLearningRate(s, 0.1, 0, 100, 10)).toBeCloseTo(0.004 + 0.096 / 20, 12);
    expect(batchLearningRate(s, 0.1, 19, 100, 10)).toBeCloseTo(0.1, 12);
    expect(batchLearningRate(s, 0.1, 99, 100, 10)).toBeCloseTo(0.1 / 25e4, 12);
    expect(() => assertBatchSchedule({ ...s, warmupEpochs: 10 }, 10)).toThrow(/warm-up/);
    expect(() => assertBatchSchedule({ ...s, divFactor: 0.5 }, 10)).toThrow(/divFactor/);
  });
});

describe("exponential moving average of the weights", () => {
  it("averages with TF's warm-up decay, swaps the average in and out, and restores from its saved form", async () => {
    const input = tfl.input({ shape: [2] });
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 1, kernelInitializer: "zeros", biasInitializer: "zeros" }).apply(input) as tfl.SymbolicTensor });
    const avg = WeightAverage.start(model, 0.5);
    model.setWeights([tf.ones([2, 1]), tf.ones([1])]);
    avg.update(); // d = min(0.5, 1/10) = 0.1: 0.1·0 + 0.9·1
    model.setWeights([tf.fill([2, 1], 3), tf.fill([1], 3)]);
    avg.update(); // d = min(0.5, 2/11): (2/11)·0.9 + (9/11)·3
    const expected = (2 / 11) * 0.9 + (9 / 11) * 3;
    const seen = await avg.withAveragedWeights(async () => model.weights[0]!.read().dataSync()[0]!);
    expect(seen).toBeCloseTo(expected, 6);
    expect(model.weights[0]!.read().dataSync()[0]).toBe(3); // own weights back
    const again = WeightAverage.restore(model, 0.5, avg.updates, avg.serialize());
    expect(Array.from(again.serialize())).toEqual(Array.from(avg.serialize()));
    expect(() => WeightAverage.restore(model, 0.5, 2, new Float32Array(2))).toThrow(/holds 2 numbers/);
  });
});
