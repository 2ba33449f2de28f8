import type * as tfl from "@tensorflow/tfjs-layers";
import type { OutputKind } from "../architectures.js";
import type { CrossEntropyFrom } from "../losses.js";
import { OnnxGraphBuilder } from "./onnx-model.js";

/** Names of a training graph's feeds and fetches. */
export interface OnnxTrainingGraph {
  readonly bytes: Uint8Array;
  /** Faces, NHWC `[batch, h, w, c]`. */
  readonly input: string;
  /** One-hot labels `[batch, classes]` (float 0/1). */
  readonly labels: string;
  /** One feed per trainable weight of the model, in `model.trainableWeights` order and tfjs layout. */
  readonly weights: readonly string[];
  /** The mean data loss's gradient for each weight, same order and layout as `weights`. */
  readonly gradients: readonly string[];
  /** Mean data loss over the batch (scalar). */
  readonly loss: string;
  /** Number of faces whose highest output is their label (scalar, float). */
  readonly hits: string;
}

type Config = Record<string, unknown>;

/** What the backward pass needs to remember of each layer. */
type Tape =
  | {
      kind: "conv";
      input: string;
      output: string;
      relu: boolean;
      kernel: string;
      kernelIndex: number;
      biasIndex: number;
      pad: number;
      first: boolean;
      inShape: [number, number, number];
      outChannels: number;
    }
  | { kind: "pool"; max: boolean; input: string; output: string; pool: number; inShape: [number, number, number]; outShape: [number, number, number] }
  | { kind: "flatten"; shape: [number, number, number] }
  | { kind: "dense"; input: string; output: string; relu: boolean; kernel: string; kernelIndex: number; biasIndex: number; first: boolean };

/** Thrown for a model the training graph cannot express. */
export class TrainingGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrainingGraphError";
  }
}

function square(v: unknown, what: string): number {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || a[0] !== a[1] || !Number.isInteger(a[0])) throw new TrainingGraphError(`${what}: expected a square size, got ${JSON.stringify(v)}`);
  return a[0] as number;
}

/**
 * Writes one training step of a fer CNN (architectures A–G: a chain of 'same' stride-1 Conv2D, non-overlapping max or
 * average pooling, Flatten, Dense; ReLU hidden layers; softmax + categorical cross-entropy or linear + squared hinge
 * output, as {@link classificationLoss} defines them) as an ONNX graph: forward pass, loss, and the gradient of the mean
 * data loss for every weight, written out by hand with standard ONNX operators so that onnxruntime's inference build
 * runs it. Weights are feeds, so one session serves every step; the optimiser and the L2 term stay with the caller.
 *
 * Gradients: a convolution's input gradient is a convolution of the output gradient with the kernel flipped and
 * transposed; its kernel gradient is im2col (the k*k shifted copies of each input channel, made by a grouped convolution
 * with one-hot kernels) times the output gradient, one matrix product per image, summed. Max pooling sends the gradient to
 * every position equal to the window's maximum (ties between positive values are the only difference from tfjs, which
 * picks one). `crossEntropy` (softmax outputs only): from the clipped probabilities as tfjs computes it (default), or
 * from the logits (LogSoftmax; gradient softmax - labels, no clip mask), as tf.keras does.
 */
export function layersModelToOnnxTraining(model: tfl.LayersModel, output: OutputKind, crossEntropy: CrossEntropyFrom = "probabilities"): OnnxTrainingGraph {
  const g = new OnnxGraphBuilder(`${model.name}_training`);
  const inputShape = model.inputs[0]?.shape;
  if (model.inputs.length !== 1 || inputShape?.length !== 4) throw new TrainingGraphError("expected one [batch, h, w, c] input");
  const [, h0, w0, c0] = inputShape as [null, number, number, number];
  const input = g.addInput("face", ["batch", h0, w0, c0]);
  const trainable = model.trainableWeights;
  const weights = trainable.map((w, i) => g.addInput(`w${i}`, w.shape as number[]));
  const int64 = (values: readonly number[]) => g.addInt64Initializer(g.uniqueName("i64_"), values);
  const scalar = (v: number) => g.addFloatInitializer(g.uniqueName("f32_"), [], new Float32Array([v]));
  const node = (op: string, inputs: readonly string[], attributes: Parameters<OnnxGraphBuilder["addNode"]>[3] = {}) =>
    g.addNode(op, inputs, [g.uniqueName(`${op.toLowerCase()}_`)], attributes);
  const weightIndex = (layer: tfl.layers.Layer, k: number): number => {
    const v = layer.trainableWeights[k];
    const i = v === undefined ? -1 : trainable.indexOf(v);
    if (i < 0) throw new TrainingGraphError(`layer ${layer.name}: weight ${k} is missing or not trainable`);
    return i;
  };

  let x = node("Transpose", [input], { perm: { ints: [0, 3, 1, 2] } });
  let shape: [number, number, number] = [c0, h0, w0];
  const tape: Tape[] = [];
  let logits: string | undefined;
  let previous: tfl.layers.Layer | undefined;
  const layers = model.layers.filter((l) => l.getClassName() !== "InputLayer");
  layers.forEach((layer, index) => {
    const kind = layer.getClassName();
    const config = layer.getConfig() as Config;
    const name = layer.name;
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (layer.inboundNodes.length !== 1 || inbound.length !== 1 || (previous !== undefined && inbound[0] !== previous)) {
      throw new TrainingGraphError(`layer ${name}: only a chain of layers can be trained on onnxruntime`);
    }
    previous = layer;
    if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") throw new TrainingGraphError(`layer ${name}: only channels-last data`);
    const last = index === layers.length - 1;
    const activation = String(config.activation ?? "linear");
    const expected = last ? (output === "softmax" ? "softmax" : "linear") : "relu";
    if ((kind === "Conv2D" || kind === "Dense") && activation !== expected) {
      throw new TrainingGraphError(`layer ${name}: activation ${activation}, the training graph expects ${expected}`);
    }
    const first = !tape.some((t) => t.kind === "conv" || t.kind === "dense");
    if (kind === "Conv2D") {
      const k = square(config.kernelSize, name);
      if (square(config.strides ?? 1, name) !== 1 || square(config.dilationRate ?? 1, name) !== 1 || config.padding !== "same" || k % 2 !== 1) {
        throw new TrainingGraphError(`layer ${name}: only odd-sized stride-1 'same' convolutions`);
      }
      if (config.useBias === false) throw new TrainingGraphError(`layer ${name}: convolutions need a bias`);
      const kernelIndex = weightIndex(layer, 0);
      const kernel = weights[kernelIndex]!;
      const pad = (k - 1) / 2;
      const onnxKernel = node("Transpose", [kernel], { perm: { ints: [3, 2, 0, 1] } });
      const z = node("Conv", [x, onnxKernel, weights[weightIndex(layer, 1)]!], { kernel_shape: { ints: [k, k] }, pads: { ints: [pad, pad, pad, pad] } });
      const out = last ? z : node("Relu", [z]);
      const outChannels = (layer.trainableWeights[0]!.shape as number[])[3]!;
      tape.push({ kind: "conv", input: x, output: out, relu: !last, kernel, kernelIndex, biasIndex: weightIndex(layer, 1), pad, first, inShape: shape, outChannels });
      shape = [outChannels, shape[1], shape[2]];
      x = out;
    } else if (kind === "MaxPooling2D" || kind === "AveragePooling2D") {
      const pool = square(config.poolSize, name);
      if (square(config.strides ?? config.poolSize, name) !== pool || config.padding !== "valid") {
        throw new TrainingGraphError(`layer ${name}: only non-overlapping 'valid' pooling`);
      }
      const outShape: [number, number, number] = [shape[0], Math.floor(shape[1] / pool), Math.floor(shape[2] / pool)];
      const out = node(kind === "MaxPooling2D" ? "MaxPool" : "AveragePool", [x], { kernel_shape: { ints: [pool, pool] }, strides: { ints: [pool, pool] } });
      tape.push({ kind: "pool", max: kind === "MaxPooling2D", input: x, output: out, pool, inShape: shape, outShape });
      shape = outShape;
      x = out;
    } else if (kind === "Flatten") {
      tape.push({ kind: "flatten", shape });
      x = node("Flatten", [node("Transpose", [x], { perm: { ints: [0, 2, 3, 1] } })], { axis: { int: 1 } });
      shape = [shape[0] * shape[1] * shape[2], 1, 1];
    } else if (kind === "Dense") {
      if (config.useBias === false) throw new TrainingGraphError(`layer ${name}: Dense layers need a bias`);
      const kernelIndex = weightIndex(layer, 0);
      const kernel = weights[kernelIndex]!;
      const z = node("Gemm", [x, kernel, weights[weightIndex(layer, 1)]!]);
      const out = last ? z : node("Relu", [z]);
      tape.push({ kind: "dense", input: x, output: out, relu: !last, kernel, kernelIndex, biasIndex: weightIndex(layer, 1), first });
      shape = [(layer.trainableWeights[0]!.shape as number[])[1]!, 1, 1];
      x = out;
    } else if (kind === "Dropout" && Number(config.rate ?? 0) === 0) {
      // no-op
    } else {
      throw new TrainingGraphError(`layer ${name}: ${kind} layers cannot be trained on onnxruntime`);
    }
    if (last) logits = x;
  });
  if (logits === undefined || tape.at(-1)?.kind !== "dense") throw new TrainingGraphError("the model must end with a Dense layer");
  const classes = shape[0];
  const labels = g.addInput("labels", ["batch", classes]);
  const count = (t: string) => node("Cast", [node("Size", [t])], { to: { int: 1 } });

  // Loss and the gradient of the mean loss with respect to the last layer's pre-activation output.
  let loss: string;
  let grad: string;
  let scores: string;
  if (output === "softmax" && crossEntropy === "logits") {
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

  const gradients: string[] = new Array<string>(weights.length);
  const zero = scalar(0);
  const reluBack = (gradient: string, activated: string) => node("Mul", [gradient, node("Cast", [node("Greater", [activated, zero])], { to: { int: 1 } })]);
  /** Repeats every value of `t` [n, c, h, w] over a pool×pool block: [n, c, h*pool, w*pool]. */
  const upsample = (t: string, pool: number) =>
    node("Resize", [t, "", g.addFloatInitializer(g.uniqueName("scales_"), [4], new Float32Array([1, 1, pool, pool]))], {
      mode: { string: "nearest" },
      coordinate_transformation_mode: { string: "asymmetric" },
      nearest_mode: { string: "floor" },
    });
  for (let i = tape.length - 1; i >= 0; i--) {
    const t = tape[i]!;
    if (t.kind === "dense") {
      if (t.relu) grad = reluBack(grad, t.output);
      gradients[t.kernelIndex] = node("Gemm", [t.input, grad], { transA: { int: 1 } });
      gradients[t.biasIndex] = node("ReduceSum", [grad, int64([0])], { keepdims: { int: 0 } });
      if (!t.first) grad = node("Gemm", [grad, t.kernel], { transB: { int: 1 } });
    } else if (t.kind === "flatten") {
      const [c, h, w] = t.shape;
      grad = node("Transpose", [node("Reshape", [grad, int64([-1, h, w, c])])], { perm: { ints: [0, 3, 1, 2] } });
    } else if (t.kind === "pool") {
      const up = upsample(t.max ? grad : node("Mul", [grad, scalar(1 / (t.pool * t.pool))]), t.pool);
      const [, h, w] = t.inShape;
      const [ch, cw] = [t.outShape[1] * t.pool, t.outShape[2] * t.pool];
      // Rows and columns the pooling dropped (odd sizes) get no gradient.
      const input = ch === h && cw === w ? t.input : node("Slice", [t.input, int64([0, 0]), int64([ch, cw]), int64([2, 3])]);
      grad = t.max
        ? node("Mul", [up, node("Cast", [node("Equal", [input, upsample(t.output, t.pool)])], { to: { int: 1 } })])
        : up;
      if (ch !== h || cw !== w) grad = node("Pad", [grad, int64([0, 0, 0, 0, 0, 0, h - ch, w - cw])]);
    } else {
      if (t.relu) grad = reluBack(grad, t.output);
      const k = 2 * t.pad + 1;
      const pads = { ints: [t.pad, t.pad, t.pad, t.pad] };
      // im2col through a grouped convolution of every input channel with k*k one-hot kernels: [batch, cin*k*k, h*w],
      // times the output gradient as [batch, h*w, cout], summed over the batch.
      const [cin, h, w] = t.inShape;
      const cout = t.outChannels;
      const oneHot = new Float32Array(cin * k * k * k * k);
      for (let c = 0; c < cin; c++) for (let s = 0; s < k * k; s++) oneHot[(c * k * k + s) * k * k + s] = 1;
      const shiftKernel = g.addFloatInitializer(g.uniqueName("shifts_"), [cin * k * k, 1, k, k], oneHot);
      const columns = node("Reshape", [node("Conv", [t.input, shiftKernel], { kernel_shape: { ints: [k, k] }, pads, group: { int: cin } }), int64([-1, cin * k * k, h * w])]);
      const gradT = node("Transpose", [node("Reshape", [grad, int64([-1, cout, h * w])])], { perm: { ints: [0, 2, 1] } });
      const perImage = node("MatMul", [columns, gradT]);
      const kernelGrad = node("Reshape", [node("ReduceSum", [perImage, int64([0])], { keepdims: { int: 0 } }), int64([cin, k, k, cout])]);
      gradients[t.kernelIndex] = node("Transpose", [kernelGrad], { perm: { ints: [1, 2, 0, 3] } });
      gradients[t.biasIndex] = node("ReduceSum", [grad, int64([0, 2, 3])], { keepdims: { int: 0 } });
      if (!t.first) {
        const flipped = node("Slice", [t.kernel, int64([-1, -1]), int64([-(k + 1), -(k + 1)]), int64([0, 1]), int64([-1, -1])]);
        const backKernel = node("Transpose", [flipped], { perm: { ints: [2, 3, 0, 1] } });
        grad = node("Conv", [grad, backKernel], { kernel_shape: { ints: [k, k] }, pads });
      }
    }
  }
  trainable.forEach((w, i) => {
    const gi = gradients[i];
    if (gi === undefined) throw new TrainingGraphError(`weight ${w.name} has no gradient in the training graph`);
    g.addOutput(gi, w.shape as number[]);
  });
  g.addOutput(loss, []);
  g.addOutput(hits, []);
  return { bytes: g.encode(), input, labels, weights, gradients, loss, hits };
}
