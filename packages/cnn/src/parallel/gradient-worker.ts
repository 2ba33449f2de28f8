import { parentPort, workerData } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";
import { ARCHITECTURE_SPECS, buildModel } from "../architectures.js";
import { describeBackend, initBackend } from "@fer/runtime";
import { dataGradients, trainableVariables } from "../train-step.js";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./protocol.js";

/* A data-parallel training worker: holds a copy of the model, computes the data-loss gradients of its share of each batch. */

const init = workerData as WorkerInit;
const port = parentPort!;
const reply = (message: WorkerReply) => port.postMessage(message);

try {
  const info = await initBackend({ backend: init.backend });
  const model = buildModel(init.architecture, { inputSize: init.size, classes: init.classes });
  const { variables } = trainableVariables(model);
  const spec = { model, output: ARCHITECTURE_SPECS[init.architecture].output, size: init.size, crossEntropy: init.crossEntropy };
  const weights = new Float32Array(init.weights);
  const grads = new Float32Array(init.grads);
  const x = new Float32Array(init.x);
  const y = new Int32Array(init.y);

  const loadWeights = () => {
    let offset = 0;
    for (const v of variables) {
      const size = v.size;
      tf.tidy(() => v.assign(tf.tensor(weights.subarray(offset, offset + size), v.shape)));
      offset += size;
    }
  };

  // The handler catches its own errors and answers with an error message: nothing is lost by ignoring its promise.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  port.on("message", async (request: WorkerRequest) => {
    if (request.type === "close") {
      model.dispose();
      port.close();
      return;
    }
    try {
      if (request.weightsChanged) loadWeights();
      const result = dataGradients(spec, variables, x, y, request.n);
      let offset = 0;
      for (const g of result.grads) {
        grads.set((await g.data()) as Float32Array, offset);
        offset += g.size;
        g.dispose();
      }
      const loss = (await result.loss.data())[0] as number;
      const correct = (await result.hits.data())[0] as number;
      result.loss.dispose();
      result.hits.dispose();
      reply({ type: "step", loss, correct });
    } catch (e) {
      reply({ type: "error", message: (e as Error).stack ?? String(e) });
    }
  });
  reply({ type: "ready", backend: describeBackend(info) });
} catch (e) {
  reply({ type: "error", message: (e as Error).stack ?? String(e) });
}
