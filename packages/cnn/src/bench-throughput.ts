import { cpus } from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import { buildModel, isArchitecture } from "./architectures.js";
import { describeBackend, initBackend } from "./backend/index.js";
import { classificationLoss, l2Penalty } from "./losses.js";
import { ARCHITECTURE_SPECS, LOGITS_LAYER } from "./architectures.js";
import { forwardFlops, TRAIN_FLOPS_PER_FORWARD } from "./flops.js";

/*
 * Training and inference throughput of one architecture at batch 64 on the backend chosen here.
 * Usage: node dist/bench-throughput.js [ARCH=F] [STEPS=10]
 */
const arch = process.argv[2] ?? "F";
const steps = Number(process.argv[3] ?? 10);
if (!isArchitecture(arch)) throw new Error(`unknown architecture ${arch}`);
const batch = 64;
const backend = await initBackend();
const model = buildModel(arch);
const spec = ARCHITECTURE_SPECS[arch];
const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
const logits = model.getLayer(LOGITS_LAYER).trainableWeights[0]!.read() as tf.Variable;
const optimizer = tf.train.adam(1e-3);
const x = tf.randomUniform([batch, 48, 48, 1]);
const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 7), "int32");

async function trainStep(): Promise<void> {
  const cost = optimizer.minimize(
    () => {
      const loss = classificationLoss(spec.output, model.apply(x, { training: true }) as tf.Tensor2D, y);
      return spec.l2 > 0 ? tf.add(loss, l2Penalty(logits, spec.l2)) : loss;
    },
    true,
    variables,
  )!;
  await cost.data();
  cost.dispose();
}
async function inferStep(): Promise<void> {
  const out = model.predict(x) as tf.Tensor;
  await out.data();
  out.dispose();
}
async function rate(step: () => Promise<void>, n: number): Promise<number> {
  await step();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await step();
  return (n * batch) / ((performance.now() - t0) / 1000);
}

const trainRate = await rate(trainStep, steps);
const inferRate = await rate(inferStep, steps * 2);
const flops = forwardFlops(model);
const cpu = cpus()[0];
const ghz = (cpu?.speed ?? 0) / 1000;
// AVX2 + 2 FMA units: 2 x 8 lanes x 2 flops per cycle per core; WebAssembly SIMD is 4 lanes wide with no FMA.
const nativePeak = cpus().length * ghz * 32e9;
const wasmPeak = ghz * 8e9 * Math.max(backend.threads, 1);
const trainGflops = (trainRate * flops * TRAIN_FLOPS_PER_FORWARD) / 1e9;
const inferGflops = (inferRate * flops) / 1e9;
const epochMinutes = 28709 * 2 / trainRate / 60;
console.log(`architecture ${arch}, batch ${batch}, backend ${describeBackend(backend)}`);
console.log(`CPU: ${cpus().length} x ${cpu?.model ?? "?"} @ ${ghz.toFixed(2)} GHz`);
console.log(`forward: ${(flops / 1e6).toFixed(1)} MFLOP/image, training step ~${TRAIN_FLOPS_PER_FORWARD}x that`);
console.log(`training:  ${trainRate.toFixed(1)} img/s = ${trainGflops.toFixed(1)} GFLOP/s`);
console.log(`inference: ${inferRate.toFixed(1)} img/s = ${inferGflops.toFixed(1)} GFLOP/s (${(1000 / inferRate).toFixed(2)} ms/face at batch ${batch})`);
console.log(`fraction of peak: training ${((100 * trainGflops * 1e9) / nativePeak).toFixed(1)}% of the ${(nativePeak / 1e9).toFixed(0)} GFLOP/s native AVX2-FMA peak of all cores, ${((100 * trainGflops * 1e9) / wasmPeak).toFixed(1)}% of the ${(wasmPeak / 1e9).toFixed(0)} GFLOP/s 128-bit SIMD peak of the threads used`);
console.log(`one epoch of 28,709 images with mirrored copies (57,418 steps' worth of images): ${epochMinutes.toFixed(1)} min; without mirroring ${(epochMinutes / 2).toFixed(1)} min`);
x.dispose();
y.dispose();
model.dispose();
