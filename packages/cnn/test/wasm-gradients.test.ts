import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { describe, expect, it, beforeAll } from "vitest";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { registerWasmGradientKernels } from "@fer/runtime";
import { seededRandom } from "@fer/preprocess";
import { buildModel } from "../src/architectures.js";
import { dataGradients, disposeStatistics, dropoutMasks, trainableVariables } from "../src/train-step.js";
import { maxAbs } from "./differences.js";
import { randomArray } from "./random.js";

function random(shape: number[], seed: number): { values: Float32Array; shape: number[] } {
  const rand = seededRandom(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rand() * 2 - 1;
  return { values, shape };
}

async function on<T extends tf.Tensor>(backend: string, f: () => T): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = f();
  const out = (await t.data()) as Float32Array;
  t.dispose();
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

type Pad = "same" | "valid";
const cases: Array<{ x: [number, number, number, number]; k: number; co: number; stride: number; pad: Pad }> = [
  { x: [2, 8, 8, 3], k: 3, co: 4, stride: 1, pad: "same" },
  { x: [3, 7, 9, 2], k: 3, co: 5, stride: 1, pad: "valid" },
  { x: [2, 10, 10, 4], k: 3, co: 3, stride: 2, pad: "same" },
  { x: [2, 11, 9, 3], k: 2, co: 2, stride: 2, pad: "valid" },
  { x: [4, 12, 12, 8], k: 5, co: 6, stride: 1, pad: "same" },
  { x: [3, 16, 16, 1], k: 3, co: 8, stride: 1, pad: "same" },
  { x: [2, 6, 6, 16], k: 3, co: 16, stride: 1, pad: "same" },
  { x: [2, 7, 9, 3], k: 2, co: 4, stride: 1, pad: "same" },
  { x: [3, 8, 6, 2], k: 5, co: 3, stride: 1, pad: "valid" },
  // The strided cases of the modern architectures (resnet): 3x3 'same' on odd and even sides, 1x1 projections.
  { x: [2, 11, 11, 3], k: 3, co: 4, stride: 2, pad: "same" },
  { x: [3, 12, 12, 4], k: 1, co: 6, stride: 2, pad: "same" },
  { x: [2, 13, 10, 2], k: 3, co: 3, stride: 3, pad: "valid" },
];

describe("wasm gradient kernels match the cpu backend", () => {
  beforeAll(async () => {
    registerWasmGradientKernels();
    await tf.setBackend("wasm");
    await tf.ready();
  });

  for (const [i, c] of cases.entries()) {
    const name = `x ${c.x.join("x")} k${c.k} co${c.co} stride ${c.stride} ${c.pad}`;
    const x = random(c.x, 10 + i);
    const w = random([c.k, c.k, c.x[3], c.co], 20 + i);
    const outShape = tf.backend_util.computeConv2DInfo(c.x, w.shape as [number, number, number, number], c.stride, 1, c.pad).outShape;
    const dy = random(outShape, 30 + i);

    it(`Conv2DBackpropFilter: ${name}`, async () => {
      const f = () =>
        tf.engine().runKernel(
          "Conv2DBackpropFilter",
          { x: tf.tensor4d(x.values, c.x), dy: tf.tensor4d(dy.values, outShape as [number, number, number, number]) },
          { strides: c.stride, pad: c.pad, dataFormat: "NHWC", filterShape: w.shape },
        ) as tf.Tensor;
      const diff = maxAbsDiff(await on("wasm", f), await on("cpu", f));
      console.log(`Conv2DBackpropFilter ${name}: max abs diff ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-4);
    });

    it(`Conv2DBackpropInput: ${name}`, async () => {
      const f = () =>
        tf.conv2dTranspose(tf.tensor4d(dy.values, outShape as [number, number, number, number]), tf.tensor4d(w.values, w.shape as [number, number, number, number]), c.x, c.stride, c.pad);
      const diff = maxAbsDiff(await on("wasm", f), await on("cpu", f));
      console.log(`Conv2DBackpropInput ${name}: max abs diff ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-4);
    });
  }

  it("MaxPoolGrad sends a tied window's gradient to its first maximum, as cpu does ('valid' and 'same', strides 2 and 1)", async () => {
    // Gray levels on a coarse grid: most 2x2 and 3x3 windows hold equal maxima.
    const x = random([2, 9, 8, 3], 41);
    const values = x.values.map((v) => Math.round(v * 2) / 2);
    for (const [size, stride, pad] of [[2, 2, "valid"], [3, 2, "same"], [3, 1, "same"]] as const) {
      // Each output weighted differently, so a gradient sent to the wrong position shows.
      const f = () =>
        tf.grad((t: tf.Tensor) => {
          const y = tf.maxPool(t as tf.Tensor4D, size, stride, pad);
          return tf.sum(tf.mul(y, tf.reshape(tf.range(1, 1 + y.size), y.shape)));
        })(tf.tensor4d(values, x.shape as [number, number, number, number]));
      const diff = maxAbsDiff(await on("wasm", f), await on("cpu", f));
      console.log(`MaxPoolGrad ${size}x${size} stride ${stride} ${pad} with ties: max abs diff ${diff.toExponential(2)}`);
      expect(diff).toBe(0);
    }
  });

  it("a full conv gradient through tf.grads matches cpu", async () => {
    const x = random([2, 6, 6, 3], 99);
    const w = random([3, 3, 3, 4], 98);
    const g = (backend: string) =>
      on(backend, () => {
        const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same")))))([
          tf.tensor4d(x.values, [2, 6, 6, 3]),
          tf.tensor4d(w.values, [3, 3, 3, 4]),
        ]);
        return tf.concat([tf.reshape(gx!, [-1]), tf.reshape(gw!, [-1])]);
      });
    const diff = maxAbsDiff(await g("wasm"), await g("cpu"));
    console.log(`tf.grads conv: max abs diff ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
  });

  it("full-size vgg-bn (48x48): every gradient of a training step equals the cpu backend's", async () => {
    // Kernel by kernel on identical inputs wasm and cpu agree to 3e-6 of each output's scale, but a ReLU input within
    // float rounding of 0 may fall on either side: with 3 faces of input seed 3, one of conv4_1_bn's outputs is -8.9e-6
    // on wasm and +2.6e-6 on cpu, that element's gradient (7e-3) reaches conv4_1_bn's beta and conv4_1's kernel on cpu only, and the
    // largest difference is 5.6e-2 of the kernel's scale (see the README). Seed 4 has no such input; if this fails
    // after a tfjs or model change, check for such a flipped ReLU before blaming a kernel.
    const n = 1;
    const size = 48;
    const model = buildModel("vgg-bn", { seed: 5 });
    const { variables } = trainableVariables(model);
    const x = Float32Array.from(randomArray(n * size * size, 4), (v) => 0.5 + 0.5 * v);
    const y = Int32Array.from([3]);
    const masks = dropoutMasks(model, n, 7);
    const gradients = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const { grads, loss, hits, stats } = dataGradients({ model, output: "logits", size }, variables, x, y, n, { masks });
      const values = grads.map((g) => Float32Array.from(g.dataSync()));
      tf.dispose([...grads, loss, hits]);
      disposeStatistics(stats);
      return values;
    };
    const wasm = await gradients("wasm");
    const cpu = await gradients("cpu");
    await tf.setBackend("wasm");
    model.dispose();
    const relative = cpu.map((c, i) => maxAbsDiff(wasm[i]!, c) / maxAbs(c));
    const worst = relative.indexOf(Math.max(...relative));
    console.log(`vgg-bn 48x48 step gradients, wasm vs cpu: largest difference ${relative[worst]!.toExponential(2)} of the scale (${variables[worst]!.name})`);
    expect(relative[worst]).toBeLessThan(1e-4);
  }, 120_000);
});
