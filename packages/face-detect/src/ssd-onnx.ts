import * as tf from "@tensorflow/tfjs-core";
import { OnnxGraphBuilder } from "@fer/runtime";
import { addImageInput, addTfConv } from "./network-runner.js";

/** A convolution's weights as the tfjs network holds them: filter `[kh, kw, in, out]` (depthwise: `[kh, kw, in, 1]`). */
export interface ConvWeights {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

/** The SSD MobileNet v1 weights (batch norms already folded), as the tfjs forward pass uses them. */
export interface SsdWeights {
  conv0: ConvWeights;
  pairs: readonly { depthwise: ConvWeights; pointwise: ConvWeights }[];
  extra: readonly ConvWeights[];
  heads: readonly { box: ConvWeights; cls: ConvWeights }[];
}

/** MobileNet v1 depthwise layers with stride 2. */
export const SSD_STRIDE2 = new Set([2, 4, 6, 12]);

/**
 * Writes the SSD as an ONNX graph with the same layers as the tfjs forward pass: NHWC input (height and width
 * dynamic), convolutions with TensorFlow's 'same' padding (SAME_UPPER), ReLU6 as Clip(0, 6), outputs `boxes`
 * `[n, 4]` and `classes` `[n, 3]` in the tfjs order (head, row, column, anchor).
 */
export function ssdOnnxModel(w: SsdWeights): Uint8Array {
  const g = new OnnxGraphBuilder("ssd_mobilenetv1");
  const zero = g.addFloatInitializer("zero", [], new Float32Array([0]));
  const six = g.addFloatInitializer("six", [], new Float32Array([6]));
  const conv = (x: string, c: ConvWeights, stride: number, relu6: boolean, depthwise = false): string => {
    const y = addTfConv(g, x, c.filter, c.bias, { stride, pad: "same", depthwise });
    return relu6 ? g.addNode("Clip", [y, zero, six], [`${y}_relu6`]) : y;
  };

  let out = conv(addImageInput(g), w.conv0, 2, true);
  let conv11 = out;
  w.pairs.forEach((pair, idx) => {
    const layer = idx + 1;
    out = conv(out, pair.depthwise, SSD_STRIDE2.has(layer) ? 2 : 1, true, true);
    out = conv(out, pair.pointwise, 1, true);
    if (layer === 11) conv11 = out;
  });
  const extra: string[] = [];
  let h = out;
  w.extra.forEach((c, i) => {
    h = conv(h, c, i % 2 === 1 ? 2 : 1, true);
    extra.push(h);
  });
  const features = [conv11, out, extra[1]!, extra[3]!, extra[5]!, extra[7]!];
  const flat = (x: string, width: number, name: string): string => {
    const nhwc = g.addNode("Transpose", [x], [`${name}_nhwc`], { perm: { ints: [0, 2, 3, 1] } });
    return g.addNode("Reshape", [nhwc, g.addInt64Initializer(`${name}_shape`, [-1, width])], [`${name}_flat`]);
  };
  const boxes = features.map((f, i) => flat(conv(f, w.heads[i]!.box, 1, false), 4, `box${i}`));
  const classes = features.map((f, i) => flat(conv(f, w.heads[i]!.cls, 1, false), 3, `cls${i}`));
  g.addNode("Concat", boxes, ["boxes"], { axis: { int: 0 } });
  g.addNode("Concat", classes, ["classes"], { axis: { int: 0 } });
  g.addOutput("boxes", ["anchors", 4]);
  g.addOutput("classes", ["anchors", 3]);
  return g.encode();
}
