import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { LOGITS_LAYER, type OutputKind } from "./architectures.js";
import { seededRandom } from "@fer/preprocess";
import { classificationLoss, type CrossEntropyFrom } from "./losses.js";
import { batchNormVariables, layersModelGraph } from "./onnx/layers-model.js";

/** Sum of the batch loss (mean loss × images) and number of right answers of one step. */
export interface StepResult {
  readonly lossSum: number;
  readonly correct: number;
}

/** What one step needs besides the faces and their labels. */
export interface StepOptions {
  /**
   * Targets `[n, classes]`, each row a distribution over the classes (label smoothing, FER+ crowd votes, a teacher's
   * probabilities); default the one-hot labels `y`. Only with cross-entropy from the logits (`output: "logits"`, or
   * softmax with `crossEntropy: "logits"`): the gradient is softmax - target. `correct` then counts the faces whose
   * highest score is their target's highest value.
   */
  readonly targets?: Float32Array;
  /**
   * Seed of this step's dropout masks (see {@link dropoutMasks}). For a run that resumes exactly it must depend only on
   * the run and the batch, e.g. {@link stepSeed}(seed, epoch, first position). Default: a counter of the runner's
   * steps (repeatable from a fresh start, not across a resume). Ignored by models without dropout.
   */
  readonly seed?: number;
}

/** Runs one optimisation step on `n` faces of `x` (float [n*size*size]) with int labels `y`. */
export interface StepRunner {
  step(x: Float32Array, y: Int32Array, n: number, options?: StepOptions): Promise<StepResult>;
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

/** Whether the loss is softmax cross-entropy taken from the pre-softmax outputs (the only loss soft targets fit). */
export function lossFromLogits(spec: Pick<LossSpec, "output" | "crossEntropy">): boolean {
  return spec.output === "logits" || (spec.output === "softmax" && spec.crossEntropy === "logits");
}

/** A step's dropout seed that depends only on the run's seed, the epoch and the batch's first position. */
export function stepSeed(runSeed: number, epoch: number, batchStart: number): number {
  return (Math.imul(runSeed ^ 0x5bd1e995, 2654435761) ^ Math.imul(epoch + 1, 40503) ^ Math.imul(batchStart + 1, 2246822519)) >>> 0;
}

/** The Dropout layers of a model with a rate above 0, in model order, with their output shape (no batch axis). */
export function dropoutLayers(model: tfl.LayersModel): Array<{ layer: string; rate: number; shape: number[] }> {
  return model.layers
    .filter((l) => l.getClassName() === "Dropout" && Number((l.getConfig() as { rate?: number }).rate ?? 0) > 0)
    .map((l) => ({ layer: l.name, rate: Number((l.getConfig() as { rate: number }).rate), shape: (l.outputShape as number[]).slice(1) }));
}

/**
 * The dropout masks of one step, one per Dropout layer (rate > 0) of `model`: `[n, ...shape]` in tfjs layout, each
 * value 0 (dropped, with probability `rate`) or 1 / (1 - rate) (kept), as tfjs's dropout scales. A function of
 * (`seed`, layer order, n) only, so both engines and a resumed run draw the same masks.
 */
export function dropoutMasks(model: tfl.LayersModel, n: number, seed: number): Map<string, Float32Array> {
  const masks = new Map<string, Float32Array>();
  dropoutLayers(model).forEach(({ layer, rate, shape }, i) => {
    const random = seededRandom((Math.imul(seed, 0x9e3779b1) + Math.imul(i + 1, 0x85ebca77)) >>> 0);
    const keep = 1 / (1 - rate);
    const mask = new Float32Array(n * shape.reduce((a, b) => a * b, 1));
    for (let j = 0; j < mask.length; j++) mask[j] = random() < rate ? 0 : keep;
    masks.set(layer, mask);
  });
  return masks;
}

/** One BatchNormalization layer's batch statistics from a training step (per channel; variance biased as tf.moments). */
export interface BatchStatistics {
  readonly layer: string;
  readonly mean: Float32Array | tf.Tensor1D;
  readonly variance: Float32Array | tf.Tensor1D;
}

/**
 * Moves each BatchNormalization layer's moving mean and variance towards a step's batch statistics, as tfjs-layers
 * does in training: moving -= (moving - batch) * (1 - momentum). The moving statistics are the layer's non-trainable
 * weights, so checkpoints and saved models carry them.
 */
export function updateMovingStatistics(model: tfl.LayersModel, stats: readonly BatchStatistics[]): void {
  for (const s of stats) {
    const layer = model.getLayer(s.layer);
    const momentum = Number((layer.getConfig() as { momentum?: number }).momentum ?? 0.99);
    const { movingMean, movingVariance } = batchNormVariables(layer);
    tf.tidy(() => {
      for (const [variable, value] of [
        [movingMean, s.mean],
        [movingVariance, s.variance],
      ] as const) {
        const batch = value instanceof Float32Array ? tf.tensor1d(value) : value;
        const original = variable.read();
        variable.write(tf.sub(original, tf.mul(tf.sub(original, batch), 1 - momentum)));
      }
    });
  }
}

/** Whether a model has layers whose training step needs more than its weights (batch norm or dropout). */
export function hasTrainingState(model: tfl.LayersModel): boolean {
  return model.layers.some((l) => l.getClassName() === "BatchNormalization") || dropoutLayers(model).length > 0;
}

/**
 * The model's training-mode forward pass on `xs`, walked over its layer graph: Dropout multiplies by the given masks,
 * BatchNormalization normalises with the batch's statistics (pushed onto `stats`; the moving ones are not touched
 * here), every other layer runs as tfjs-layers runs it in training. With `logits`, the last (Dense) layer's output is
 * taken before its activation.
 */
function trainingForward(model: tfl.LayersModel, xs: tf.Tensor4D, masks: ReadonlyMap<string, Float32Array>, stats: BatchStatistics[], logits: boolean): tf.Tensor2D {
  const layers = layersModelGraph(model);
  const values = new Map<string, tf.Tensor>([[layers[0]!.name, xs]]);
  const n = xs.shape[0];
  for (const gl of layers.slice(1)) {
    const inputs = gl.inputs.map((i) => values.get(i)!);
    const x = inputs[0]!;
    let y: tf.Tensor;
    const mask = masks.get(gl.name);
    if (gl.kind === "Dropout") {
      y = mask === undefined ? x : tf.mul(x, tf.tensor(mask, [n, ...gl.shape]));
    } else if (gl.kind === "BatchNormalization") {
      const { gamma, beta } = batchNormVariables(gl.layer);
      const axes = x.rank === 4 ? [0, 1, 2] : [0];
      const { mean, variance } = tf.moments(x, axes);
      stats.push({ layer: gl.name, mean: tf.keep(mean as tf.Tensor1D), variance: tf.keep(variance as tf.Tensor1D) });
      // (x - mean) * gamma / sqrt(var + eps) + beta as broadcast ops: tf.batchNorm's gradient tiles every operand.
      const inv = tf.rsqrt(tf.add(variance, Number(gl.config.epsilon ?? 1e-3)));
      y = tf.mul(tf.sub(x, mean), gamma === undefined ? inv : tf.mul(inv, gamma.read()));
      if (beta !== undefined) y = tf.add(y, beta.read());
    } else if (logits && gl.layer === model.outputLayers[0]) {
      const [kernel, bias] = gl.layer.trainableWeights.map((w) => w.read());
      y = bias === undefined ? tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D) : tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias);
    } else {
      y = gl.layer.apply(inputs.length === 1 ? x : inputs, { training: true }) as tf.Tensor;
    }
    values.set(gl.name, y);
  }
  return values.get(layers.at(-1)!.name) as tf.Tensor2D;
}

/** Mean softmax cross-entropy of `logits` against target distributions `[n, classes]`. */
function crossEntropyToTargets(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar;
}

/** Extra inputs of {@link dataGradients}: soft targets and dropout masks (see {@link StepOptions}). */
export interface GradientInputs {
  readonly targets?: Float32Array;
  /** Dropout masks by layer name (from {@link dropoutMasks}); a Dropout layer without one passes its input through. */
  readonly masks?: ReadonlyMap<string, Float32Array>;
}

/**
 * Gradients of the mean data loss over `n` faces with respect to `variables` (no regulariser), plus the loss, the
 * right answers and the batch statistics of every BatchNormalization layer (the caller owns all returned tensors and
 * updates the moving statistics with {@link updateMovingStatistics}).
 */
export function dataGradients(
  spec: LossSpec,
  variables: readonly tf.Variable[],
  x: Float32Array,
  y: Int32Array,
  n: number,
  inputs: GradientInputs = {},
): { grads: tf.Tensor[]; loss: tf.Scalar; hits: tf.Scalar; stats: BatchStatistics[] } {
  const fromLogits = lossFromLogits(spec);
  const classes = spec.model.outputs[0]!.shape[1] as number;
  if (inputs.targets !== undefined) {
    if (!fromLogits) throw new RangeError("soft targets need the cross-entropy from the logits (output 'logits', or softmax with crossEntropy 'logits')");
    if (inputs.targets.length < n * classes) throw new RangeError(`targets: expected ${n} x ${classes} values, got ${inputs.targets.length}`);
  }
  const stats: BatchStatistics[] = [];
  const result = tf.tidy(() => {
    const xs = tf.tensor4d(x.subarray(0, n * spec.size * spec.size), [n, spec.size, spec.size, 1]);
    const ys = tf.tensor1d(y.subarray(0, n), "int32");
    const targets = inputs.targets === undefined ? undefined : tf.tensor2d(inputs.targets.subarray(0, n * classes), [n, classes]);
    let hits: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      disposeStatistics(stats.splice(0));
      const out = trainingForward(spec.model, xs, inputs.masks ?? new Map(), stats, fromLogits);
      hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), targets === undefined ? ys : tf.argMax(targets, 1)), "int32")) as tf.Scalar);
      if (!fromLogits) return classificationLoss(spec.output === "softmax" ? "softmax" : "linear", out, ys);
      return crossEntropyToTargets(out, targets ?? (tf.cast(tf.oneHot(ys, classes), "float32") as tf.Tensor2D));
    }, variables as tf.Variable[]);
    return { grads: variables.map((v) => grads[v.name] as tf.Tensor), loss: value, hits: hits! };
  });
  return { ...result, stats };
}

/** Disposes the tensors of batch statistics returned by {@link dataGradients}. */
export function disposeStatistics(stats: readonly BatchStatistics[]): void {
  for (const s of stats) {
    if (!(s.mean instanceof Float32Array)) s.mean.dispose();
    if (!(s.variance instanceof Float32Array)) s.variance.dispose();
  }
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

/** The single-threaded step: one forward/backward pass over the whole batch (training-mode batch norm and dropout). */
export function createLocalStepRunner(spec: LossSpec, optimizer: tf.Optimizer, l2: number): StepRunner {
  const { variables, logitsKernel } = trainableVariables(spec.model);
  let steps = 0;
  return {
    async step(x, y, n, options = {}) {
      const masks = dropoutMasks(spec.model, n, options.seed ?? stepSeed(0, 0, steps++));
      const { grads, loss, hits, stats } = dataGradients(spec, variables, x, y, n, { masks, ...(options.targets === undefined ? {} : { targets: options.targets }) });
      const lossValue = (await loss.data())[0] as number;
      const correct = (await hits.data())[0] as number;
      loss.dispose();
      hits.dispose();
      updateMovingStatistics(spec.model, stats);
      disposeStatistics(stats);
      applyGradients(optimizer, variables, grads, logitsKernel, l2);
      return { lossSum: lossValue * n, correct };
    },
    async dispose() {},
  };
}
