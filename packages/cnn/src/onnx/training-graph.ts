import type * as tfl from "@tensorflow/tfjs-layers";
import type { OutputKind } from "../architectures.js";
import type { CrossEntropyFrom } from "../losses.js";
import { convPadding, squareSize } from "./layer-graph.js";
import { batchNormVariables, layersModelGraph, type LayersModelGraphLayer } from "./layers-model.js";
import { OnnxGraphBuilder } from "@fer/runtime";

/** A Dropout layer's mask feed: tfjs layout `[batch, ...shape]`, each value 0 (dropped) or 1 / (1 - rate) (kept). */
export interface DropoutFeed {
  readonly layer: string;
  readonly feed: string;
  /** The layer's output shape without the batch axis (tfjs layout: `[h, w, c]` or `[units]`). */
  readonly shape: readonly number[];
  readonly rate: number;
}

/** A BatchNormalization layer's batch statistics, graph outputs of shape `[channels]` (variance: biased, as tf.moments). */
export interface BatchNormStats {
  readonly layer: string;
  readonly mean: string;
  readonly variance: string;
}

/** Names of a training graph's feeds and fetches. */
export interface OnnxTrainingGraph {
  readonly bytes: Uint8Array;
  /** Faces, NHWC `[batch, h, w, c]`. */
  readonly input: string;
  /**
   * Targets `[batch, classes]`: one-hot labels, or any distribution per row (label smoothing, crowd votes, a teacher's
   * probabilities) for the `"logits"` output and softmax with cross-entropy from the logits (gradient softmax - target).
   */
  readonly labels: string;
  /** One feed per trainable weight of the model, in `model.trainableWeights` order and tfjs layout. */
  readonly weights: readonly string[];
  /** The mean data loss's gradient for each weight, same order and layout as `weights`. */
  readonly gradients: readonly string[];
  /** Mean data loss over the batch (scalar). */
  readonly loss: string;
  /** Number of faces whose highest output is their target's highest value (scalar, float). */
  readonly hits: string;
  /** One mask feed per Dropout layer with a rate above 0, in model order. */
  readonly dropout: readonly DropoutFeed[];
  /** One pair of outputs per BatchNormalization layer, in model order (the step updates the moving statistics). */
  readonly batchNorm: readonly BatchNormStats[];
}

/** Thrown for a model the training graph cannot express. */
export class TrainingGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrainingGraphError";
  }
}

/** A tensor of the forward pass: its name and its shape without the batch axis, NCHW (`[c, h, w]` or `[units]`). */
interface Value {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Backward step of one layer: from the gradient of its output, its weights' gradients and its inputs' gradients. */
type Backward = (dy: string) => ReadonlyArray<string | undefined>;

/**
 * Writes one training step of a fer CNN as an ONNX graph: forward pass, loss, and the gradient of the mean data loss
 * for every trainable weight, written out by hand with standard ONNX operators so that onnxruntime's inference build
 * runs it. Weights are feeds, so one session serves every step; the optimiser and the L2 term stay with the caller.
 *
 * The model is walked as a graph (tfjs-layers' topological order) and the backward pass runs over it in reverse,
 * summing the gradients of a layer read by several layers (residual connections). Layers: Conv2D (square kernels,
 * any stride, 'same' or 'valid', with or without bias, ReLU or linear), BatchNormalization (channel axis; batch
 * statistics, which the graph also outputs so that the caller updates the moving ones), ReLU and Activation
 * (relu/linear), MaxPooling2D and AveragePooling2D (non-overlapping, 'valid'), GlobalAveragePooling2D, Flatten, Dense,
 * Add, Dropout (the mask is a feed, so the caller draws it from a seed). The last layer is a Dense layer: softmax +
 * categorical cross-entropy, linear + squared hinge, or linear logits + softmax cross-entropy (`output: "logits"`).
 *
 * Gradients: a stride-1 convolution's input gradient is a convolution of the output gradient with the kernel flipped
 * and transposed, a strided one's a ConvTranspose; its kernel gradient is im2col (the k*k shifted copies of each
 * input channel, made by a grouped convolution with one-hot kernels) times the output gradient, one matrix product per
 * image, summed. Max pooling sends the gradient to the window's first maximum (MaxPool's indices), as tfjs does.
 * Batch norm: dx = (dxhat - mean(dxhat) -
 * xhat * mean(dxhat * xhat)) / sqrt(var + eps). `crossEntropy` (softmax outputs only): from the clipped probabilities as
 * tfjs computes it (default), or from the logits (LogSoftmax; gradient softmax - target, no clip mask), as tf.keras does.
 */
export function layersModelToOnnxTraining(model: tfl.LayersModel, output: OutputKind, crossEntropy: CrossEntropyFrom = "probabilities"): OnnxTrainingGraph {
  const g = new OnnxGraphBuilder(`${model.name}_training`);
  let layers: LayersModelGraphLayer[];
  try {
    layers = layersModelGraph(model);
  } catch (e) {
    throw new TrainingGraphError((e as Error).message);
  }
  const inputShape = model.inputs[0]!.shape;
  if (inputShape.length !== 4) throw new TrainingGraphError("expected one [batch, h, w, c] input");
  const [, h0, w0, c0] = inputShape as [null, number, number, number];
  const input = g.addInput("face", ["batch", h0, w0, c0]);
  const trainable = model.trainableWeights;
  const weights = trainable.map((w, i) => g.addInput(`w${i}`, w.shape as number[]));
  const int64 = (values: readonly number[]) => g.addInt64Initializer(g.uniqueName("i64_"), values);
  const scalar = (v: number) => g.addFloatInitializer(g.uniqueName("f32_"), [], new Float32Array([v]));
  const node = (op: string, inputs: readonly string[], attributes: Parameters<OnnxGraphBuilder["addNode"]>[3] = {}) =>
    g.addNode(op, inputs, [g.uniqueName(`${op.toLowerCase()}_`)], attributes);
  const weightIndex = (layer: tfl.layers.Layer, v: tfl.LayerVariable | undefined, what: string): number => {
    const i = v === undefined ? -1 : trainable.indexOf(v);
    if (i < 0) throw new TrainingGraphError(`layer ${layer.name}: ${what} is missing or not trainable`);
    return i;
  };
  const zero = scalar(0);
  const reluBack = (gradient: string, activated: string) => node("Mul", [gradient, node("Cast", [node("Greater", [activated, zero])], { to: { int: 1 } })]);
  const sum = (terms: readonly string[]) => (terms.length === 1 ? terms[0]! : node("Sum", terms));
  /** Repeats every value of `t` [n, c, h, w] over a pool×pool block: [n, c, h*pool, w*pool]. */
  const upsample = (t: string, pool: number) =>
    node("Resize", [t, "", g.addFloatInitializer(g.uniqueName("scales_"), [4], new Float32Array([1, 1, pool, pool]))], {
      mode: { string: "nearest" },
      coordinate_transformation_mode: { string: "asymmetric" },
      nearest_mode: { string: "floor" },
    });

  const gradients: string[] = new Array<string>(weights.length);
  const values = new Map<string, Value>();
  const backward = new Map<string, Backward>();
  const dropout: DropoutFeed[] = [];
  const batchNorm: BatchNormStats[] = [];
  values.set(layers[0]!.name, { name: node("Transpose", [input], { perm: { ints: [0, 3, 1, 2] } }), shape: [c0, h0, w0] });
  const outputLayer = layers.at(-1)!;

  for (const gl of layers.slice(1)) {
    const { layer, kind, config, name } = gl;
    if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") throw new TrainingGraphError(`layer ${name}: only channels-last data`);
    const ins = gl.inputs.map((i) => values.get(i)!);
    // The gradient of an input is needed unless it is the face itself.
    const needs = gl.inputs.map((i) => i !== layers[0]!.name);
    const x = ins[0]!;
    const last = gl === outputLayer;
    const activation = String(config.activation ?? "linear");
    if ((kind === "Conv2D" || kind === "Dense") && !last && activation !== "relu" && activation !== "linear") {
      throw new TrainingGraphError(`layer ${name}: activation ${activation}, the training graph expects relu or linear`);
    }
    if (last) {
      const expected = output === "softmax" ? "softmax" : "linear";
      if (kind !== "Dense") throw new TrainingGraphError("the model must end with a Dense layer");
      if (activation !== expected) throw new TrainingGraphError(`layer ${name}: activation ${activation}, the training graph expects ${expected}`);
    }
    const relu = !last && activation === "relu";
    let out: Value;
    if (kind === "Conv2D") {
      const k = squareSize(config.kernelSize, name);
      const s = squareSize(config.strides ?? 1, name);
      if (squareSize(config.dilationRate ?? 1, name) !== 1) throw new TrainingGraphError(`layer ${name}: dilated convolutions cannot be trained on onnxruntime`);
      const padding = String(config.padding);
      if (padding !== "same" && padding !== "valid") throw new TrainingGraphError(`layer ${name}: padding ${padding}`);
      const [cin, h, w] = x.shape as [number, number, number];
      const ph = convPadding(h, k, s, padding);
      const pw = convPadding(w, k, s, padding);
      const pads = { ints: [ph.before, pw.before, ph.after, pw.after] };
      const kernelIndex = weightIndex(layer, layer.trainableWeights[0], "kernel");
      const biasIndex = config.useBias === false ? undefined : weightIndex(layer, layer.trainableWeights[1], "bias");
      const kernel = weights[kernelIndex]!;
      const cout = (trainable[kernelIndex]!.shape as number[])[3]!;
      const onnxKernel = node("Transpose", [kernel], { perm: { ints: [3, 2, 0, 1] } });
      const z = node("Conv", [x.name, onnxKernel, ...(biasIndex === undefined ? [] : [weights[biasIndex]!])], { kernel_shape: { ints: [k, k] }, strides: { ints: [s, s] }, pads });
      out = { name: relu ? node("Relu", [z]) : z, shape: [cout, ph.out, pw.out] };
      const activated = out.name;
      backward.set(name, (dy) => {
        const grad = relu ? reluBack(dy, activated) : dy;
        // im2col through a grouped convolution of every input channel with k*k one-hot kernels: [batch, cin*k*k, oh*ow],
        // times the output gradient as [batch, oh*ow, cout], summed over the batch.
        const oneHot = new Float32Array(cin * k * k * k * k);
        for (let c = 0; c < cin; c++) for (let q = 0; q < k * k; q++) oneHot[(c * k * k + q) * k * k + q] = 1;
        const shiftKernel = g.addFloatInitializer(g.uniqueName("shifts_"), [cin * k * k, 1, k, k], oneHot);
        const hw = ph.out * pw.out;
        const columns = node("Reshape", [node("Conv", [x.name, shiftKernel], { kernel_shape: { ints: [k, k] }, strides: { ints: [s, s] }, pads, group: { int: cin } }), int64([-1, cin * k * k, hw])]);
        const gradT = node("Transpose", [node("Reshape", [grad, int64([-1, cout, hw])])], { perm: { ints: [0, 2, 1] } });
        const kernelGrad = node("Reshape", [node("ReduceSum", [node("MatMul", [columns, gradT]), int64([0])], { keepdims: { int: 0 } }), int64([cin, k, k, cout])]);
        gradients[kernelIndex] = node("Transpose", [kernelGrad], { perm: { ints: [1, 2, 0, 3] } });
        if (biasIndex !== undefined) gradients[biasIndex] = node("ReduceSum", [grad, int64([0, 2, 3])], { keepdims: { int: 0 } });
        if (!needs[0]) return [undefined];
        if (s === 1) {
          const flipped = node("Slice", [kernel, int64([-1, -1]), int64([-(k + 1), -(k + 1)]), int64([0, 1]), int64([-1, -1])]);
          const backKernel = node("Transpose", [flipped], { perm: { ints: [2, 3, 0, 1] } });
          return [node("Conv", [grad, backKernel], { kernel_shape: { ints: [k, k] }, pads: { ints: [k - 1 - ph.before, k - 1 - pw.before, k - 1 - ph.after, k - 1 - pw.after] } })];
        }
        // Rows and columns a strided convolution never reads (at the far end) get no gradient: output_padding.
        const extra = [h - (s * (ph.out - 1) + k - ph.before - ph.after), w - (s * (pw.out - 1) + k - pw.before - pw.after)];
        return [node("ConvTranspose", [grad, onnxKernel], { kernel_shape: { ints: [k, k] }, strides: { ints: [s, s] }, pads, output_padding: { ints: extra } })];
      });
    } else if (kind === "BatchNormalization") {
      const rank = x.shape.length + 1;
      const axis = Array.isArray(config.axis) ? config.axis : [config.axis];
      if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== rank - 1)) throw new TrainingGraphError(`layer ${name}: batch normalisation over the channels only`);
      const bn = batchNormVariables(layer);
      const channels = x.shape[0]!;
      const axes = rank === 4 ? [0, 2, 3] : [0];
      const bshape = rank === 4 ? [1, channels, 1, 1] : [1, channels];
      const gammaIndex = bn.gamma === undefined ? undefined : weightIndex(layer, bn.gamma, "gamma");
      const betaIndex = bn.beta === undefined ? undefined : weightIndex(layer, bn.beta, "beta");
      const mean = node("ReduceMean", [x.name], { axes: { ints: axes }, keepdims: { int: 1 } });
      const centred = node("Sub", [x.name, mean]);
      const variance = node("ReduceMean", [node("Mul", [centred, centred])], { axes: { ints: axes }, keepdims: { int: 1 } });
      const invStd = node("Reciprocal", [node("Sqrt", [node("Add", [variance, scalar(Number(config.epsilon ?? 1e-3))])])]);
      const xhat = node("Mul", [centred, invStd]);
      const gamma = gammaIndex === undefined ? undefined : node("Reshape", [weights[gammaIndex]!, int64(bshape)]);
      let y = gamma === undefined ? xhat : node("Mul", [xhat, gamma]);
      if (betaIndex !== undefined) y = node("Add", [y, node("Reshape", [weights[betaIndex]!, int64(bshape)])]);
      const stats = { layer: name, mean: node("Reshape", [mean, int64([channels])]), variance: node("Reshape", [variance, int64([channels])]) };
      g.addOutput(stats.mean, [channels]);
      g.addOutput(stats.variance, [channels]);
      batchNorm.push(stats);
      out = { name: y, shape: x.shape };
      backward.set(name, (dy) => {
        if (gammaIndex !== undefined) gradients[gammaIndex] = node("ReduceSum", [node("Mul", [dy, xhat]), int64(axes)], { keepdims: { int: 0 } });
        if (betaIndex !== undefined) gradients[betaIndex] = node("ReduceSum", [dy, int64(axes)], { keepdims: { int: 0 } });
        if (!needs[0]) return [undefined];
        const dxhat = gamma === undefined ? dy : node("Mul", [dy, gamma]);
        const meanOf = (t: string) => node("ReduceMean", [t], { axes: { ints: axes }, keepdims: { int: 1 } });
        return [node("Mul", [node("Sub", [node("Sub", [dxhat, meanOf(dxhat)]), node("Mul", [xhat, meanOf(node("Mul", [dxhat, xhat]))])]), invStd])];
      });
    } else if (kind === "ReLU" || kind === "Activation") {
      const plain = kind === "ReLU" ? (config.maxValue ?? null) === null && Number(config.negativeSlope ?? 0) === 0 && Number(config.threshold ?? 0) === 0 : activation === "relu" || activation === "linear";
      if (!plain) throw new TrainingGraphError(`layer ${name}: only a plain ReLU or a linear activation can be trained on onnxruntime`);
      if (kind === "Activation" && activation === "linear") {
        out = x;
        backward.set(name, (dy) => [dy]);
      } else {
        const y = node("Relu", [x.name]);
        out = { name: y, shape: x.shape };
        backward.set(name, (dy) => [reluBack(dy, y)]);
      }
    } else if (kind === "MaxPooling2D" || kind === "AveragePooling2D") {
      const pool = squareSize(config.poolSize, name);
      if (squareSize(config.strides ?? config.poolSize, name) !== pool || config.padding !== "valid") {
        throw new TrainingGraphError(`layer ${name}: only non-overlapping 'valid' pooling`);
      }
      const [c, h, w] = x.shape as [number, number, number];
      const outShape = [c, Math.floor(h / pool), Math.floor(w / pool)] as const;
      const max = kind === "MaxPooling2D";
      const attributes = { kernel_shape: { ints: [pool, pool] }, strides: { ints: [pool, pool] } };
      if (max) {
        // MaxPool's second output: the flat index (over the whole NCHW input) of each window's first maximum, where
        // the gradient goes back, as tfjs sends it to one position per window.
        const [y, indices] = [g.uniqueName("maxpool_"), g.uniqueName("argmax_")];
        g.addNode("MaxPool", [x.name], [y, indices], attributes);
        out = { name: y, shape: outShape };
        backward.set(name, (dy) => {
          const flat = node("Reshape", [x.name, int64([-1])]);
          const zeros = node("Mul", [flat, zero]);
          const scattered = node("ScatterElements", [zeros, node("Reshape", [indices, int64([-1])]), node("Reshape", [dy, int64([-1])])], { axis: { int: 0 } });
          return [node("Reshape", [scattered, node("Shape", [x.name])])];
        });
      } else {
        const y = node("AveragePool", [x.name], attributes);
        out = { name: y, shape: outShape };
        backward.set(name, (dy) => {
          const up = upsample(node("Mul", [dy, scalar(1 / (pool * pool))]), pool);
          const [ch, cw] = [outShape[1] * pool, outShape[2] * pool];
          // Rows and columns the pooling dropped (odd sizes) get no gradient.
          return [ch === h && cw === w ? up : node("Pad", [up, int64([0, 0, 0, 0, 0, 0, h - ch, w - cw])])];
        });
      }
    } else if (kind === "GlobalAveragePooling2D") {
      if (config.keepDims === true) throw new TrainingGraphError(`layer ${name}: keepDims is not supported`);
      const [c, h, w] = x.shape as [number, number, number];
      out = { name: node("ReduceMean", [x.name], { axes: { ints: [2, 3] }, keepdims: { int: 0 } }), shape: [c] };
      backward.set(name, (dy) => [node("Mul", [node("Expand", [node("Unsqueeze", [dy, int64([2, 3])]), node("Shape", [x.name])]), scalar(1 / (h * w))])]);
    } else if (kind === "Flatten") {
      if (x.shape.length === 1) {
        out = x;
        backward.set(name, (dy) => [dy]);
      } else {
        const [c, h, w] = x.shape as [number, number, number];
        out = { name: node("Flatten", [node("Transpose", [x.name], { perm: { ints: [0, 2, 3, 1] } })], { axis: { int: 1 } }), shape: [c * h * w] };
        backward.set(name, (dy) => [node("Transpose", [node("Reshape", [dy, int64([-1, h, w, c])])], { perm: { ints: [0, 3, 1, 2] } })]);
      }
    } else if (kind === "Dense") {
      if (x.shape.length !== 1) throw new TrainingGraphError(`layer ${name}: Dense layers read flat inputs`);
      const kernelIndex = weightIndex(layer, layer.trainableWeights[0], "kernel");
      const biasIndex = config.useBias === false ? undefined : weightIndex(layer, layer.trainableWeights[1], "bias");
      const kernel = weights[kernelIndex]!;
      const units = (trainable[kernelIndex]!.shape as number[])[1]!;
      const z = biasIndex === undefined ? node("MatMul", [x.name, kernel]) : node("Gemm", [x.name, kernel, weights[biasIndex]!]);
      out = { name: relu ? node("Relu", [z]) : z, shape: [units] };
      const activated = out.name;
      backward.set(name, (dy) => {
        const grad = relu ? reluBack(dy, activated) : dy;
        gradients[kernelIndex] = node("Gemm", [x.name, grad], { transA: { int: 1 } });
        if (biasIndex !== undefined) gradients[biasIndex] = node("ReduceSum", [grad, int64([0])], { keepdims: { int: 0 } });
        return [needs[0] ? node("Gemm", [grad, kernel], { transB: { int: 1 } }) : undefined];
      });
    } else if (kind === "Add") {
      out = { name: sum(ins.map((v) => v.name)), shape: x.shape };
      backward.set(name, (dy) => ins.map(() => dy));
    } else if (kind === "Dropout") {
      const rate = Number(config.rate ?? 0);
      if (config.noiseShape !== undefined && config.noiseShape !== null) throw new TrainingGraphError(`layer ${name}: noiseShape is not supported`);
      if (rate === 0) {
        out = x;
        backward.set(name, (dy) => [dy]);
      } else {
        const feed = g.addInput(`dropout_${dropout.length}`, ["batch", ...gl.shape]);
        dropout.push({ layer: name, feed, shape: gl.shape, rate });
        const mask = x.shape.length === 3 ? node("Transpose", [feed], { perm: { ints: [0, 3, 1, 2] } }) : feed;
        out = { name: node("Mul", [x.name, mask]), shape: x.shape };
        backward.set(name, (dy) => [node("Mul", [dy, mask])]);
      }
    } else {
      throw new TrainingGraphError(`layer ${name}: ${kind} layers cannot be trained on onnxruntime`);
    }
    values.set(name, out);
  }
  const logits = values.get(outputLayer.name)!.name;
  const classes = values.get(outputLayer.name)!.shape[0]!;
  const labels = g.addInput("labels", ["batch", classes]);
  const count = (t: string) => node("Cast", [node("Size", [t])], { to: { int: 1 } });

  // Loss and the gradient of the mean loss with respect to the last layer's pre-activation output.
  let loss: string;
  let grad: string;
  let scores: string;
  if (output === "logits" || (output === "softmax" && crossEntropy === "logits")) {
    scores = node("Softmax", [logits], { axis: { int: -1 } });
    const perFace = node("ReduceSum", [node("Mul", [labels, node("LogSoftmax", [logits], { axis: { int: -1 } })]), int64([1])], { keepdims: { int: 0 } });
    loss = node("Neg", [node("ReduceMean", [perFace], { keepdims: { int: 0 } })]);
    grad = node("Div", [node("Sub", [scores, labels]), count(perFace)]);
  } else if (output === "softmax") {
    scores = node("Softmax", [logits], { axis: { int: -1 } });
    const eps = 1e-7;
    const clipped = node("Clip", [scores, scalar(eps), scalar(1 - eps)]);
    const perFace = node("ReduceSum", [node("Mul", [labels, node("Log", [clipped])]), int64([1])], { keepdims: { int: 0 } });
    loss = node("Neg", [node("ReduceMean", [perFace], { keepdims: { int: 0 } })]);
    // tfjs clips the probabilities, so a face whose label probability is outside [eps, 1 - eps] adds no gradient.
    const pTrue = node("ReduceSum", [node("Mul", [labels, scores]), int64([1])], { keepdims: { int: 1 } });
    const inRange = node("Cast", [node("And", [node("Greater", [pTrue, scalar(eps)]), node("Less", [pTrue, scalar(1 - eps)])])], { to: { int: 1 } });
    grad = node("Div", [node("Mul", [node("Sub", [scores, labels]), inRange]), count(perFace)]);
  } else {
    scores = logits;
    const signed = node("Sub", [node("Mul", [labels, scalar(2)]), scalar(1)]);
    const margin = node("Relu", [node("Sub", [scalar(1), node("Mul", [signed, logits])])]);
    loss = node("ReduceMean", [node("Mul", [margin, margin])], { keepdims: { int: 0 } });
    grad = node("Div", [node("Mul", [node("Mul", [signed, margin]), scalar(-2)]), count(margin)]);
  }
  const hits = node("ReduceSum", [node("Cast", [node("Equal", [node("ArgMax", [scores], { axis: { int: 1 }, keepdims: { int: 0 } }), node("ArgMax", [labels], { axis: { int: 1 }, keepdims: { int: 0 } })])], { to: { int: 1 } })], {
    keepdims: { int: 0 },
  });

  // The reverse pass: each layer's output gradient is the sum of what the layers reading it sent back.
  const incoming = new Map<string, string[]>([[outputLayer.name, [grad]]]);
  for (let i = layers.length - 1; i >= 1; i--) {
    const gl = layers[i]!;
    const terms = incoming.get(gl.name);
    if (terms === undefined) continue; // nothing downstream depends on it
    const inputGrads = backward.get(gl.name)!(sum(terms));
    gl.inputs.forEach((inputName, j) => {
      const gi = inputGrads[j];
      if (gi === undefined) return;
      const list = incoming.get(inputName) ?? [];
      list.push(gi);
      incoming.set(inputName, list);
    });
  }
  trainable.forEach((w, i) => {
    const gi = gradients[i];
    if (gi === undefined) throw new TrainingGraphError(`weight ${w.name} has no gradient in the training graph`);
    g.addOutput(gi, w.shape as number[]);
  });
  g.addOutput(loss, []);
  g.addOutput(hits, []);
  return { bytes: g.encode(), input, labels, weights, gradients, loss, hits, dropout, batchNorm };
}
