import * as tf from "@tensorflow/tfjs-core";
import { layersModelToOnnxTraining } from "./onnx/training-graph.js";
import { createCpuSession, type OnnxRuntime, type OnnxTensor } from "@fer/runtime";
import { applyGradients, dropoutMasks, lossFromLogits, stepSeed, trainableVariables, updateMovingStatistics, type LossSpec, type StepRunner } from "./train-step.js";

/**
 * A training step whose forward and backward passes run on onnxruntime (see {@link layersModelToOnnxTraining}); the
 * weights stay in the tfjs model and the tfjs optimizer applies the gradients, so checkpoints, the learning-rate
 * schedule and the model card work as with the tfjs step. Dropout masks are drawn in JavaScript from the step's seed
 * exactly as the tfjs step draws them, and the batch-norm layers' moving statistics are updated from the batch
 * statistics the graph returns, as the tfjs step updates them. `threads`: onnxruntime intra-op threads (default: one per
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
  const fromLogits = lossFromLogits(spec);
  for (const s of graph.batchNorm) fetches.push(s.mean, s.variance);
  let steps = 0;
  return {
    async step(x, y, n, options = {}) {
      let targets = options.targets?.subarray(0, n * classes);
      if (targets !== undefined) {
        if (!fromLogits) throw new RangeError("soft targets need the cross-entropy from the logits (output 'logits', or softmax with crossEntropy 'logits')");
        if (targets.length !== n * classes) throw new RangeError(`targets: expected ${n} x ${classes} values, got ${targets.length}`);
      } else {
        targets = new Float32Array(n * classes);
        for (let i = 0; i < n; i++) {
          const label = y[i] as number;
          if (!(label >= 0 && label < classes)) throw new RangeError(`label ${label} is not a class index (0-${classes - 1})`);
          targets[i * classes + label] = 1;
        }
      }
      const feeds: Record<string, OnnxTensor> = {
        [graph.input]: tensor(x.subarray(0, n * per), [n, spec.size, spec.size, 1]),
        [graph.labels]: tensor(targets, [n, classes]),
      };
      const masks = dropoutMasks(spec.model, n, options.seed ?? stepSeed(0, 0, steps++));
      for (const d of graph.dropout) feeds[d.feed] = tensor(masks.get(d.layer)!, [n, ...d.shape]);
      variables.forEach((v, i) => {
        feeds[graph.weights[i]!] = tensor(v.dataSync() as Float32Array, v.shape);
      });
      const out = await session.run(feeds, fetches);
      const grads = graph.gradients.map((name, i) => tf.tensor(out[name]!.data as Float32Array, variables[i]!.shape));
      const loss = (out[graph.loss]!.data as Float32Array)[0] as number;
      const correct = (out[graph.hits]!.data as Float32Array)[0] as number;
      updateMovingStatistics(
        spec.model,
        graph.batchNorm.map((s) => ({ layer: s.layer, mean: out[s.mean]!.data as Float32Array, variance: out[s.variance]!.data as Float32Array })),
      );
      applyGradients(optimizer, variables, grads, logitsKernel, l2);
      return { lossSum: loss * n, correct };
    },
    async dispose() {
      await session.release();
    },
  };
}
