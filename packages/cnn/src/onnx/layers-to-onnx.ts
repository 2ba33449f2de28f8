import type { CnnDescription, CnnWeight, DescribedLayer } from "./cnn-description.js";
import { batchNormWeights, layerGraph, requiredWeight } from "./layer-graph.js";
import { OnnxGraphBuilder } from "@fer/runtime/onnx";

/** Names of the ONNX graph's input and outputs: every Dense layer's output (after its activation) is an output. */
export interface OnnxCnnOutputs {
  input: string;
  /** Output name per Dense layer name; the last layer's output is also `scores`. */
  dense: Record<string, string>;
  scores: string;
}

type Config = Readonly<Record<string, unknown>>;

function pair(v: unknown, what: string): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x))) throw new Error(`${what}: expected two integers, got ${JSON.stringify(v)}`);
  return [a[0] as number, a[1] as number];
}

function activationOf(config: Config, layer: string): string {
  const a = config.activation ?? "linear";
  if (a !== "linear" && a !== "relu" && a !== "softmax") throw new Error(`layer ${layer}: activation ${String(a)} is not supported`);
  return a;
}

/** A convolution kernel from tfjs's `[kh, kw, cin, cout]` to ONNX's `[cout, cin, kh, kw]`. */
function onnxConvKernel(k: CnnWeight): Float32Array {
  const [kh, kw, cin, cout] = k.shape as [number, number, number, number];
  const out = new Float32Array(k.values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = k.values[((y * kw + x) * cin + i) * cout + o]!;
  return out;
}

/**
 * Writes a CNN (one `[h, w, c]` input, channels-last, as fer's architectures are built) as an ONNX graph
 * for inference: NHWC input `[batch, h, w, c]`, NCHW inside, Flatten in the channels-last order tfjs uses, so every
 * output equals the layers model's. The model is walked as a graph (residual Add layers). Layers: Conv2D, Dense,
 * MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Dropout (inference: nothing), Add, ReLU, Activation
 * (relu/linear/softmax) and BatchNormalization with its moving statistics, folded into the convolution or Dense layer
 * before it when that layer is linear and read by the batch norm only (scaled kernel, shifted bias). Throws for any
 * other layer or setting.
 */
export function cnnToOnnx(description: CnnDescription): { bytes: Uint8Array; names: OnnxCnnOutputs } {
  const g = new OnnxGraphBuilder(description.name);
  const layers = layerGraph(description);
  const inputShape = layers[0]!.shape;
  if (inputShape.length !== 3) throw new Error("expected one [batch, h, w, c] input");
  const [h, w, c] = inputShape as [number, number, number];
  const input = g.addInput("face", ["batch", h, w, c]);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const values = new Map<string, string>([[layers[0]!.name, g.addNode("Transpose", [input], ["nchw"], { perm: { ints: [0, 3, 1, 2] } })]]);
  const dense: Record<string, string> = {};
  /** Per-channel scale and shift of a BatchNormalization layer at inference (moving statistics). */
  const affine = (layer: DescribedLayer): { scale: Float32Array; shift: Float32Array } => {
    const { gamma, beta, movingMean, movingVariance } = batchNormWeights(layer);
    const eps = Number(layer.config.epsilon ?? 1e-3);
    const mean = movingMean.values;
    const variance = movingVariance.values;
    const gammas = gamma?.values;
    const betas = beta?.values;
    const scale = new Float32Array(mean.length);
    const shift = new Float32Array(mean.length);
    for (let i = 0; i < mean.length; i++) {
      scale[i] = (gammas?.[i] ?? 1) / Math.sqrt((variance[i] as number) + eps);
      shift[i] = (betas?.[i] ?? 0) - (mean[i] as number) * (scale[i] as number);
    }
    return { scale, shift };
  };
  /** The BatchNormalization layer folded into `gl` (a linear Conv2D/Dense read by it alone), if there is one. */
  const foldedInto = new Map<string, DescribedLayer>();
  for (const gl of layers) {
    if (gl.kind !== "BatchNormalization") continue;
    const before = byName.get(gl.inputs[0]!)!;
    if ((before.kind === "Conv2D" || before.kind === "Dense") && before.consumers === 1 && (before.config.activation ?? "linear") === "linear") foldedInto.set(before.name, gl);
  }
  for (const gl of layers.slice(1)) {
    const { kind, config, name } = gl;
    const x = values.get(gl.inputs[0]!)!;
    if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") {
      throw new Error(`layer ${name}: data format ${String(config.dataFormat)} is not supported`);
    }
    const activate = (y: string): string => {
      const a = activationOf(config, name);
      if (a === "relu") return g.addNode("Relu", [y], [`${name}_relu`]);
      if (a === "softmax") return g.addNode("Softmax", [y], [`${name}_softmax`], { axis: { int: -1 } });
      return y;
    };
    let y: string;
    if (kind === "Conv2D" || kind === "Dense") {
      const kernel = requiredWeight(gl, "kernel");
      const bias = config.useBias === false ? undefined : requiredWeight(gl, "bias");
      const units = kernel.shape.at(-1)!;
      const fold = foldedInto.get(name);
      const { scale, shift } = fold === undefined ? { scale: undefined, shift: undefined } : affine(fold);
      // ONNX layout: [cout, cin, kh, kw] for a convolution, [in, units] for Dense.
      const kernelValues = kind === "Conv2D" ? onnxConvKernel(kernel) : Float32Array.from(kernel.values);
      const per = kind === "Conv2D" ? kernelValues.length / units : 1;
      const stride = kind === "Conv2D" ? 1 : units;
      if (scale !== undefined) {
        for (let i = 0; i < kernelValues.length; i++) kernelValues[i] = (kernelValues[i] as number) * (scale[kind === "Conv2D" ? Math.floor(i / per) : i % stride] as number);
      }
      const biasValues = bias === undefined ? new Float32Array(units) : Float32Array.from(bias.values);
      if (scale !== undefined) for (let i = 0; i < units; i++) biasValues[i] = (biasValues[i] as number) * (scale[i] as number) + (shift![i] as number);
      const biasName = g.addFloatInitializer(`${name}_bias`, [units], biasValues);
      if (kind === "Conv2D") {
        const [kh, kw, cin] = kernel.shape as [number, number, number, number];
        if (pair(config.dilationRate ?? 1, name).some((d) => d !== 1)) throw new Error(`layer ${name}: dilation is not supported`);
        y = g.addNode("Conv", [x, g.addFloatInitializer(`${name}_kernel`, [units, cin, kh, kw], kernelValues), biasName], [name], {
          kernel_shape: { ints: [kh, kw] },
          strides: { ints: pair(config.strides ?? 1, name) },
          // TensorFlow's 'same' puts the odd pixel of padding after, as ONNX's SAME_UPPER does.
          auto_pad: { string: config.padding === "same" ? "SAME_UPPER" : "VALID" },
        });
      } else {
        y = g.addNode("Gemm", [x, g.addFloatInitializer(`${name}_kernel`, [...kernel.shape], kernelValues), biasName], [name]);
      }
      y = activate(y);
      if (kind === "Dense" && fold === undefined) dense[name] = y;
    } else if (kind === "BatchNormalization") {
      const folded = foldedInto.get(gl.inputs[0]!) === gl;
      if (folded) {
        y = x;
      } else {
        const { scale, shift } = affine(gl);
        const shape = gl.shape.length === 3 ? [scale.length, 1, 1] : [scale.length];
        y = g.addNode("Add", [g.addNode("Mul", [x, g.addFloatInitializer(`${name}_scale`, shape, scale)], [`${name}_scaled`]), g.addFloatInitializer(`${name}_shift`, shape, shift)], [name]);
      }
      const before = byName.get(gl.inputs[0]!)!;
      if (folded && before.kind === "Dense") dense[before.name] = y;
    } else if (kind === "MaxPooling2D" || kind === "AveragePooling2D") {
      if (config.padding !== "valid") throw new Error(`layer ${name}: only 'valid' pooling is supported`);
      y = g.addNode(kind === "MaxPooling2D" ? "MaxPool" : "AveragePool", [x], [name], {
        kernel_shape: { ints: pair(config.poolSize, name) },
        strides: { ints: pair(config.strides ?? config.poolSize, name) },
      });
    } else if (kind === "GlobalAveragePooling2D") {
      if (config.keepDims === true) throw new Error(`layer ${name}: keepDims is not supported`);
      y = g.addNode("Flatten", [g.addNode("GlobalAveragePool", [x], [`${name}_pool`])], [name], { axis: { int: 1 } });
    } else if (kind === "Flatten") {
      y = gl.shape.length === 1 && byName.get(gl.inputs[0]!)!.shape.length === 1 ? x : g.addNode("Flatten", [g.addNode("Transpose", [x], [`${name}_nhwc`], { perm: { ints: [0, 2, 3, 1] } })], [name], { axis: { int: 1 } });
    } else if (kind === "Add") {
      y = g.addNode("Sum", gl.inputs.map((i) => values.get(i)!), [name]);
    } else if (kind === "ReLU") {
      if ((config.maxValue ?? null) !== null || Number(config.negativeSlope ?? 0) !== 0 || Number(config.threshold ?? 0) !== 0) throw new Error(`layer ${name}: only a plain ReLU is supported`);
      y = g.addNode("Relu", [x], [name]);
    } else if (kind === "Activation") {
      y = activate(x);
    } else if (kind === "Dropout") {
      y = x;
    } else {
      throw new Error(`layer ${name}: ${kind} layers cannot be written to ONNX`);
    }
    values.set(name, y);
  }
  const scores = values.get(layers.at(-1)!.name)!;
  for (const out of new Set(Object.values(dense))) g.addOutput(out, ["batch", "units"]);
  if (!Object.values(dense).includes(scores)) g.addOutput(scores, ["batch", "units"]);
  return { bytes: g.encode(), names: { input, dense, scores } };
}
