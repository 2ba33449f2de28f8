import * as tf from "@tensorflow/tfjs-core";
import { layersModelToOnnxTraining } from "./onnx/training-graph.js";
import { createCpuSession, type OnnxRuntime, type OnnxTensor } from "./onnx/runtime.js";
import { applyGradients, trainableVariables, type LossSpec, type StepRunner } from "./train-step.js";

/**
 * A training step whose forward and backward passes run on onnxruntime (see {@link layersModelToOnnxTraining}); the
 * weights stay in the tfjs model and the tfjs optimizer applies the gradients, so checkpoints, the learning-rate
 * schedule and the model card work as with the tfjs step. `threads`: onnxruntime intra-op threads (default: one per
 * physical core).
 */
export async function createOnnxStepRunner(spec: LossSpec, optimizer: tf.Optimizer, l2: number, ort: OnnxRuntime, threads?: number): Promise<StepRunner> {
  const graph = layersModelToOnnxTraining(spec.model, spec.output, spec.crossEntropy);
  const session = await createCpuSession(ort, graph.bytes, threads, "extended");
  const { variables, logitsKernel } = trainableVariables(spec.model);
  const classes = spec.model.outputs[0]!.shape[1] as number;
  const per = spec.size * spec.size;
  const fetches = [...graph.gradients, graph.loss, graph.hits];
  const tensor = (data: Float32Array, dims: readonly number[]): OnnxTensor => new ort.Tensor("float32", data, dims);
  return {
    async step(x, y, n) {
      const oneHot = new Float32Array(n * classes);
      for (let i = 0; i < n; i++) {
        const label = y[i] as number;
        if (!(label >= 0 && label < classes)) throw new RangeError(`label ${label} is not a class index (0-${classes - 1})`);
        oneHot[i * classes + label] = 1;
      }
      const feeds: Record<string, OnnxTensor> = {
        [graph.input]: tensor(x.subarray(0, n * per), [n, spec.size, spec.size, 1]),
        [graph.labels]: tensor(oneHot, [n, classes]),
      };
      variables.forEach((v, i) => {
        feeds[graph.weights[i]!] = tensor(v.dataSync() as Float32Array, v.shape);
      });
      const out = await session.run(feeds, fetches);
      const grads = graph.gradients.map((name, i) => tf.tensor(out[name]!.data as Float32Array, variables[i]!.shape));
      const loss = (out[graph.loss]!.data as Float32Array)[0] as number;
      const correct = (out[graph.hits]!.data as Float32Array)[0] as number;
      applyGradients(optimizer, variables, grads, logitsKernel, l2);
      return { lossSum: loss * n, correct };
    },
    async dispose() {
      await session.release();
    },
  };
}
