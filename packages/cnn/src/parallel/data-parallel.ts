import { Worker } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";
import type { Architecture } from "../architectures.js";
import type { BackendName } from "@fer/runtime";
import { applyGradients, dataGradients, hasTrainingState, trainableVariables, type LossSpec, type StepRunner } from "../train-step.js";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./protocol.js";

interface GradientWorker {
  readonly worker: Worker;
  readonly grads: Float32Array;
  readonly x: Float32Array;
  readonly y: Int32Array;
  next(): Promise<WorkerReply>;
}

function startWorker(init: WorkerInit): GradientWorker {
  const worker = new Worker(new URL("./gradient-worker.js", import.meta.url), { workerData: init });
  const queue: WorkerReply[] = [];
  const waiting: Array<(r: WorkerReply) => void> = [];
  const deliver = (r: WorkerReply) => {
    const w = waiting.shift();
    if (w) w(r);
    else queue.push(r);
  };
  worker.on("message", deliver);
  worker.on("error", (e) => deliver({ type: "error", message: e.stack ?? String(e) }));
  return {
    worker,
    grads: new Float32Array(init.grads),
    x: new Float32Array(init.x),
    y: new Int32Array(init.y),
    next: () => new Promise((resolve) => (queue.length > 0 ? resolve(queue.shift()!) : waiting.push(resolve))),
  };
}

async function expect<T extends WorkerReply["type"]>(w: GradientWorker, type: T): Promise<Extract<WorkerReply, { type: T }>> {
  const reply = await w.next();
  if (reply.type === "error") throw new Error(`gradient worker failed: ${reply.message}`);
  if (reply.type !== type) throw new Error(`gradient worker sent '${reply.type}', expected '${type}'`);
  return reply as Extract<WorkerReply, { type: T }>;
}

/** Options of {@link createDataParallelStepRunner}. */
export interface DataParallelOptions {
  readonly architecture: Architecture;
  readonly classes: number;
  readonly backend: BackendName;
  readonly maxBatch: number;
  /** Workers in all, the main thread included (2 uses both cores of a 2-core machine). */
  readonly workers: number;
}

/**
 * Synchronous data-parallel training on one machine: every step, the batch is split between the main
 * thread and `workers - 1` worker threads (each with its own TensorFlow.js backend and model copy, weights
 * shared through SharedArrayBuffers), their gradients are averaged, weighted by their share, and the
 * optimizer updates the main thread's model. The result equals a single-threaded step up to float rounding.
 */
export async function createDataParallelStepRunner(
  spec: LossSpec,
  optimizer: tf.Optimizer,
  l2: number,
  options: DataParallelOptions,
): Promise<StepRunner> {
  if (hasTrainingState(spec.model)) {
    throw new Error(`${options.architecture}: batch norm and dropout train on one thread (tfjs) or on onnxruntime, not with data-parallel tfjs workers`);
  }
  const { variables, logitsKernel } = trainableVariables(spec.model);
  const total = variables.reduce((n, v) => n + v.size, 0);
  const weightsBuffer = new SharedArrayBuffer(total * 4);
  const weights = new Float32Array(weightsBuffer);
  const share = Math.ceil(options.maxBatch / options.workers);
  const workers: GradientWorker[] = [];
  for (let i = 1; i < options.workers; i++) {
    workers.push(
      startWorker({
        architecture: options.architecture,
        size: spec.size,
        classes: options.classes,
        backend: options.backend,
        crossEntropy: spec.crossEntropy ?? "probabilities",
        weights: weightsBuffer,
        grads: new SharedArrayBuffer(total * 4),
        x: new SharedArrayBuffer(share * spec.size * spec.size * 4),
        y: new SharedArrayBuffer(share * 4),
      }),
    );
  }
  try {
    await Promise.all(workers.map((w) => expect(w, "ready")));
  } catch (e) {
    await Promise.all(workers.map((w) => w.worker.terminate()));
    throw e;
  }

  const publishWeights = async () => {
    let offset = 0;
    for (const v of variables) {
      weights.set((await v.data()) as Float32Array, offset);
      offset += v.size;
    }
  };
  const per = spec.size * spec.size;

  return {
    async step(x, y, n) {
      await publishWeights();
      const parts = workers.length + 1;
      const base = Math.floor(n / parts);
      const sizes = Array.from({ length: parts }, (_, i) => base + (i < n % parts ? 1 : 0));
      let start = sizes[0] as number;
      workers.forEach((w, i) => {
        const m = sizes[i + 1] as number;
        w.x.set(x.subarray(start * per, (start + m) * per));
        w.y.set(y.subarray(start, start + m));
        start += m;
        const request: WorkerRequest = { type: "step", n: m, weightsChanged: true };
        w.worker.postMessage(request);
      });
      const mainN = sizes[0] as number;
      const local = dataGradients(spec, variables, x, y, mainN);
      const replies = await Promise.all(workers.map((w) => expect(w, "step")));
      let lossSum = ((await local.loss.data())[0] as number) * mainN;
      let correct = (await local.hits.data())[0] as number;
      local.loss.dispose();
      local.hits.dispose();
      replies.forEach((r, i) => {
        lossSum += r.loss * (sizes[i + 1] as number);
        correct += r.correct;
      });
      const grads = tf.tidy(() => {
        let offset = 0;
        return variables.map((v, vi) => {
          let g = tf.mul(local.grads[vi] as tf.Tensor, mainN / n);
          workers.forEach((w, wi) => {
            g = tf.add(g, tf.mul(tf.tensor(w.grads.subarray(offset, offset + v.size), v.shape), (sizes[wi + 1] as number) / n));
          });
          offset += v.size;
          return g;
        });
      });
      for (const g of local.grads) g.dispose();
      applyGradients(optimizer, variables, grads, logitsKernel, l2);
      return { lossSum, correct };
    },
    async dispose() {
      for (const w of workers) {
        const request: WorkerRequest = { type: "close" };
        w.worker.postMessage(request);
      }
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
