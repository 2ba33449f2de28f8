import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import { ARCHITECTURE_SPECS, buildModel, isArchitecture, type Architecture } from "./architectures.js";
import { describeBackend, initBackend } from "@fer/runtime";
import { forwardFlops, TRAIN_FLOPS_PER_FORWARD } from "./flops.js";
import { layersModelToOnnx } from "./onnx/layers-model.js";
import { createCpuSession, loadOnnxRuntime } from "@fer/runtime";
import { createDataParallelStepRunner } from "./parallel/data-parallel.js";
import { createOnnxStepRunner } from "./onnx-train-step.js";
import { createLocalStepRunner, hasTrainingState, stepSeed, type StepRunner } from "./train-step.js";

/*
 * Training and inference throughput of architectures at batch 64 on the tfjs backend chosen here, and on
 * onnxruntime (1 and 2 threads) when onnxruntime-node is installed; parameters, weight size and FLOPs of each.
 * Usage: node dist/bench-throughput.js [ARCHS=F,vgg-bn,resnet] [STEPS=10] [WORKERS=1,2]
 * (WORKERS: tfjs data-parallel workers and onnxruntime threads of the training rows; 0 leaves training out).
 */
const archs = (process.argv[2] ?? "F").split(",");
const steps = Number(process.argv[3] ?? 10);
const workerCounts = (process.argv[4] ?? "1,2").split(",").map(Number).filter((n) => n > 0);
for (const arch of archs) if (!isArchitecture(arch)) throw new Error(`unknown architecture ${arch}`);
const batch = 64;
const size = 48;
const backend = await initBackend();
const x = new Float32Array(batch * size * size).map((_, i) => (i % 255) / 255);
const y = Int32Array.from({ length: batch }, (_, i) => i % 7);

function procCpuinfo(): string {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}

/** Some VMs report a speed of 0 through os.cpus(); /proc/cpuinfo still has the clock. */
function cpuMhzFromProc(): number {
  const match = /cpu MHz\s*:\s*([\d.]+)/.exec(procCpuinfo());
  return match ? Number(match[1]) : 0;
}

/**
 * Float32 flops per cycle per core at the widest vector the CPU has, assuming two FMA units (2 x lanes x 2):
 * 64 with AVX-512, 32 with AVX2 + FMA. The machines fer is measured on change between sessions, so the bench says which.
 */
function flopsPerCycle(): { flops: number; isa: string } {
  const flags = /^flags\s*:(.*)$/m.exec(procCpuinfo())?.[1]?.split(/\s+/) ?? [];
  if (flags.includes("avx512f")) return { flops: 64, isa: "AVX-512" };
  return { flops: 32, isa: "AVX2-FMA" };
}

async function rate(step: () => Promise<unknown>, n: number): Promise<number> {
  await step();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await step();
  return (n * batch) / ((performance.now() - t0) / 1000);
}

const ort = await loadOnnxRuntime();

/** Prints every figure of one architecture. */
async function benchArchitecture(arch: Architecture): Promise<void> {
  const model = buildModel(arch);
  const spec = ARCHITECTURE_SPECS[arch];
  const flops = forwardFlops(model);
  const cpu = cpus()[0];
  const ghz = (cpu?.speed || cpuMhzFromProc()) / 1000;
  // WebAssembly SIMD is 4 lanes wide, no FMA: the tfjs wasm rows cannot use most of this peak.
  const isa = flopsPerCycle();
  const nativePeak = cpus().length * ghz * isa.flops * 1e9;
  console.log(`\narchitecture ${arch}, batch ${batch}, backend ${describeBackend(backend)}`);
  console.log(`parameters: ${model.countParams()} (${((model.countParams() * 4) / 1e6).toFixed(2)} MB of float32 weights)`);
  console.log(`CPU: ${cpus().length} x ${cpu?.model ?? "?"} @ ${ghz.toFixed(2)} GHz; native ${isa.isa} peak ${(nativePeak / 1e9).toFixed(0)} GFLOP/s over all cores (two FMA units assumed)`);
  console.log(`forward: ${(flops / 1e6).toFixed(1)} MFLOP/image; a training step counts ${TRAIN_FLOPS_PER_FORWARD}x that`);


  /** Times `steps` training steps of a fresh runner and prints img/s, GFLOP/s and the epoch time. */
  async function benchTraining(what: string, makeRunner: (lossSpec: { model: typeof model; output: typeof spec.output; size: number }, optimizer: tf.Optimizer) => Promise<StepRunner>): Promise<void> {
    const optimizer = tf.train.adam(1e-3);
    const runner = await makeRunner({ model, output: spec.output, size }, optimizer);
    let stepIndex = 0;
    const trainRate = await rate(() => runner.step(x, y, batch, { seed: stepSeed(1, 1, batch * stepIndex++) }), steps);
    await runner.dispose();
    optimizer.dispose();
    const gflops = (trainRate * flops * TRAIN_FLOPS_PER_FORWARD) / 1e9;
    const epochMin = (n: number) => (n / trainRate / 60).toFixed(1);
    console.log(
      `training, ${what}: ${trainRate.toFixed(1)} img/s = ${gflops.toFixed(1)} GFLOP/s ` +
        `(${((100 * gflops * 1e9) / nativePeak).toFixed(1)}% of peak); epoch of 28,709 images ${epochMin(28709)} min, with mirrored copies ${epochMin(2 * 28709)} min`,
    );
  }

  for (const workers of workerCounts) {
    if (workers > 1 && hasTrainingState(model)) {
      console.log(`training, tfjs, ${workers} workers: not available (batch norm and dropout train on one tfjs thread or on onnxruntime)`);
      continue;
    }
    await benchTraining(`tfjs, ${workers} worker${workers > 1 ? "s" : ""}`, async (lossSpec, optimizer) =>
      workers > 1
        ? createDataParallelStepRunner(lossSpec, optimizer, spec.l2, { architecture: arch, classes: 7, backend: backend.name, maxBatch: batch, workers })
        : createLocalStepRunner(lossSpec, optimizer, spec.l2),
    );
  }
  if (ort !== undefined) {
    for (const threads of workerCounts) {
      await benchTraining(`onnxruntime, ${threads} thread${threads > 1 ? "s" : ""}`, (lossSpec, optimizer) => createOnnxStepRunner(lossSpec, optimizer, spec.l2, ort, threads));
    }
  }

  const xs = tf.tensor4d(x, [batch, size, size, 1]);
  const inferRate = await rate(async () => {
    const out = model.predict(xs) as tf.Tensor;
    await out.data();
    out.dispose();
  }, steps * 2);
  xs.dispose();
  const inferenceLine = (what: string, r: number) =>
    `${what}: ${r.toFixed(1)} img/s = ${((r * flops) / 1e9).toFixed(1)} GFLOP/s (${((100 * r * flops) / nativePeak).toFixed(1)}% of peak), ${(1000 / r).toFixed(2)} ms/face at batch ${batch}`;
  console.log(inferenceLine("inference, tfjs (1 thread)", inferRate));

  if (ort === undefined) {
    console.log("inference, onnxruntime: not installed (npm i onnxruntime-node)");
  } else {
    const { bytes, names } = layersModelToOnnx(model);
    for (const threads of [1, 2]) {
      const session = await createCpuSession(ort, bytes, threads);
      const feeds = { [names.input]: new ort.Tensor("float32", x, [batch, size, size, 1]) };
      const ortRate = await rate(() => session.run(feeds), steps * 2);
      await session.release();
      console.log(inferenceLine(`inference, onnxruntime (${threads} thread${threads > 1 ? "s" : ""})`, ortRate));
    }
  }
  model.dispose();
}

for (const arch of archs) await benchArchitecture(arch as Architecture);
