import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { LOGITS_LAYER, type OutputKind } from "./architectures.js";
import { classificationLoss, crossEntropyFromLogits, type CrossEntropyFrom } from "./losses.js";

/** Sum of the batch loss (mean loss × images) and number of right answers of one step. */
export interface StepResult {
  readonly lossSum: number;
  readonly correct: number;
}

/** Runs one optimisation step on `n` faces of `x` (float [n*size*size]) with int labels `y`. */
export interface StepRunner {
  step(x: Float32Array, y: Int32Array, n: number): Promise<StepResult>;
  dispose(): Promise<void>;
}

/** What the data term of the loss needs: the model, its output kind and the input side. */
export interface LossSpec {
  readonly model: tfl.LayersModel;
  readonly output: OutputKind;
  readonly size: number;
  /** Softmax outputs only; default `"probabilities"`. */
  readonly crossEntropy?: CrossEntropyFrom;
}

/** The model's pre-softmax outputs: every layer but the last, then the last Dense layer without its activation. */
function logitsOf(model: tfl.LayersModel, xs: tf.Tensor4D): tf.Tensor2D {
  const layers = model.layers.filter((l) => l.getClassName() !== "InputLayer");
  let t: tf.Tensor = xs;
  for (const layer of layers.slice(0, -1)) t = layer.apply(t, { training: true }) as tf.Tensor;
  const [kernel, bias] = layers.at(-1)!.trainableWeights.map((w) => w.read());
  return tf.add(tf.matMul(t as tf.Tensor2D, kernel as tf.Tensor2D), bias!) as tf.Tensor2D;
}

/**
 * Gradients of the mean data loss over `n` faces with respect to `variables` (no regulariser), plus the
 * loss and the right answers. The caller owns the returned gradient tensors.
 */
export function dataGradients(
  spec: LossSpec,
  variables: readonly tf.Variable[],
  x: Float32Array,
  y: Int32Array,
  n: number,
): { grads: tf.Tensor[]; loss: tf.Scalar; hits: tf.Scalar } {
  return tf.tidy(() => {
    const xs = tf.tensor4d(x.subarray(0, n * spec.size * spec.size), [n, spec.size, spec.size, 1]);
    const ys = tf.tensor1d(y.subarray(0, n), "int32");
    let hits: tf.Scalar | undefined;
    const fromLogits = spec.output === "softmax" && spec.crossEntropy === "logits";
    const { value, grads } = tf.variableGrads(() => {
      const out = fromLogits ? logitsOf(spec.model, xs) : (spec.model.apply(xs, { training: true }) as tf.Tensor2D);
      hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), ys), "int32")) as tf.Scalar);
      return fromLogits ? crossEntropyFromLogits(out, ys) : classificationLoss(spec.output, out, ys);
    }, variables as tf.Variable[]);
    return { grads: variables.map((v) => grads[v.name] as tf.Tensor), loss: value, hits: hits! };
  });
}

/** The trainable variables of a model, in a fixed order, and the kernel of its last Dense layer. */
export function trainableVariables(model: tfl.LayersModel): { variables: tf.Variable[]; logitsKernel: tf.Variable } {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const logitsKernel = model.getLayer(LOGITS_LAYER).trainableWeights[0]?.read() as tf.Variable | undefined;
  if (logitsKernel === undefined) throw new Error(`the model has no '${LOGITS_LAYER}' kernel`);
  return { variables, logitsKernel };
}

/**
 * Applies averaged data gradients plus the Keras L2 term (gradient 2·l2·W on the last Dense kernel) with
 * the optimizer. `grads[i]` belongs to `variables[i]`; ownership of `grads` passes to this function.
 */
export function applyGradients(
  optimizer: tf.Optimizer,
  variables: readonly tf.Variable[],
  grads: tf.Tensor[],
  logitsKernel: tf.Variable,
  l2: number,
): void {
  tf.tidy(() => {
    const named: tf.NamedTensorMap = {};
    variables.forEach((v, i) => {
      const g = grads[i] as tf.Tensor;
      named[v.name] = l2 > 0 && v === logitsKernel ? tf.add(g, tf.mul(logitsKernel, 2 * l2)) : g;
    });
    optimizer.applyGradients(named);
  });
  for (const g of grads) g.dispose();
}

/** The single-threaded step: one forward/backward pass over the whole batch. */
export function createLocalStepRunner(spec: LossSpec, optimizer: tf.Optimizer, l2: number): StepRunner {
  const { variables, logitsKernel } = trainableVariables(spec.model);
  return {
    async step(x, y, n) {
      const { grads, loss, hits } = dataGradients(spec, variables, x, y, n);
      const lossValue = (await loss.data())[0] as number;
      const correct = (await hits.data())[0] as number;
      loss.dispose();
      hits.dispose();
      applyGradients(optimizer, variables, grads, logitsKernel, l2);
      return { lossSum: lossValue * n, correct };
    },
    async dispose() {},
  };
}
