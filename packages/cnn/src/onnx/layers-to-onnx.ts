import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { OnnxGraphBuilder } from "./onnx-model.js";

/** Names of the ONNX graph's input and outputs: every Dense layer's output (after its activation) is an output. */
export interface OnnxCnnOutputs {
  input: string;
  /** Output name per Dense layer name; the last layer's output is also `scores`. */
  dense: Record<string, string>;
  scores: string;
}

type Config = Record<string, unknown>;

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

/**
 * Writes a chain of tfjs-layers layers (an input of `[h, w, c]`, then Conv2D, MaxPooling2D, AveragePooling2D,
 * Flatten, Dense, Dropout; channels-last, as fer's architectures A–G are built) as an ONNX graph for inference:
 * NHWC input `[batch, h, w, c]`, NCHW inside, Flatten in the channels-last order tfjs uses, so every output equals
 * the layers model's. Throws for any other layer or setting.
 */
export function layersModelToOnnx(model: tfl.LayersModel): { bytes: Uint8Array; names: OnnxCnnOutputs } {
  const g = new OnnxGraphBuilder(model.name);
  const inputShape = model.inputs[0]?.shape;
  if (model.inputs.length !== 1 || inputShape?.length !== 4) throw new Error("expected one [batch, h, w, c] input");
  const [, h, w, c] = inputShape as [null, number, number, number];
  const input = g.addInput("face", ["batch", h, w, c]);
  let x = g.addNode("Transpose", [input], ["nchw"], { perm: { ints: [0, 3, 1, 2] } });
  const dense: Record<string, string> = {};
  let previous: tfl.layers.Layer | undefined;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    const config = layer.getConfig() as Config;
    const name = layer.name;
    if (kind === "InputLayer") {
      previous = layer;
      continue;
    }
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (layer.inboundNodes.length !== 1 || inbound.length !== 1 || inbound[0] !== previous) {
      throw new Error(`layer ${name}: only a chain of layers can be written to ONNX`);
    }
    previous = layer;
    if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") {
      throw new Error(`layer ${name}: data format ${String(config.dataFormat)} is not supported`);
    }
    const activate = (y: string): string => {
      const a = activationOf(config, name);
      if (a === "relu") return g.addNode("Relu", [y], [`${name}_relu`]);
      if (a === "softmax") return g.addNode("Softmax", [y], [`${name}_softmax`], { axis: { int: -1 } });
      return y;
    };
    const weights = layer.getWeights();
    if (kind === "Conv2D") {
      const [kernel, bias] = weights as [tf.Tensor4D, tf.Tensor1D | undefined];
      const [kh, kw, cin, cout] = kernel.shape;
      if (pair(config.dilationRate ?? 1, name).some((d) => d !== 1)) throw new Error(`layer ${name}: dilation is not supported`);
      const inputs = [x, g.addFloatInitializer(`${name}_kernel`, [cout, cin, kh, kw], tf.tidy(() => tf.transpose(kernel, [3, 2, 0, 1]).dataSync() as Float32Array))];
      if (bias !== undefined) inputs.push(g.addFloatInitializer(`${name}_bias`, [cout], bias.dataSync() as Float32Array));
      x = activate(
        g.addNode("Conv", inputs, [name], {
          kernel_shape: { ints: [kh, kw] },
          strides: { ints: pair(config.strides ?? 1, name) },
          // TensorFlow's 'same' puts the odd pixel of padding after, as ONNX's SAME_UPPER does.
          auto_pad: { string: config.padding === "same" ? "SAME_UPPER" : "VALID" },
        }),
      );
    } else if (kind === "MaxPooling2D" || kind === "AveragePooling2D") {
      if (config.padding !== "valid") throw new Error(`layer ${name}: only 'valid' pooling is supported`);
      x = g.addNode(kind === "MaxPooling2D" ? "MaxPool" : "AveragePool", [x], [name], {
        kernel_shape: { ints: pair(config.poolSize, name) },
        strides: { ints: pair(config.strides ?? config.poolSize, name) },
      });
    } else if (kind === "Flatten") {
      const nhwc = g.addNode("Transpose", [x], [`${name}_nhwc`], { perm: { ints: [0, 2, 3, 1] } });
      x = g.addNode("Flatten", [nhwc], [name], { axis: { int: 1 } });
    } else if (kind === "Dense") {
      const [kernel, bias] = weights as [tf.Tensor2D, tf.Tensor1D | undefined];
      const [inUnits, units] = kernel.shape;
      const kernelName = g.addFloatInitializer(`${name}_kernel`, [inUnits, units], kernel.dataSync() as Float32Array);
      const biasValues = bias === undefined ? new Float32Array(units) : (bias.dataSync() as Float32Array);
      x = activate(g.addNode("Gemm", [x, kernelName, g.addFloatInitializer(`${name}_bias`, [units], biasValues)], [name]));
      dense[name] = x;
    } else if (kind !== "Dropout") {
      throw new Error(`layer ${name}: ${kind} layers cannot be written to ONNX`);
    }
  }
  for (const out of new Set(Object.values(dense))) g.addOutput(out, ["batch", "units"]);
  if (!Object.values(dense).includes(x)) g.addOutput(x, ["batch", "units"]);
  return { bytes: g.encode(), names: { input, dense, scores: x } };
}
