import * as tfl from "@tensorflow/tfjs-layers";
import { VGGFACE2_BN_EPSILON, VGGFACE2_INPUT } from "./layers.js";

type Sym = tfl.SymbolicTensor;

function convBn(x: Sym, filters: number, kernel: number, name: string, strides = 1, padding: "same" | "valid" = "valid"): Sym {
  const c = tfl.layers
    .conv2d({ filters, kernelSize: kernel, strides, padding, useBias: false, name, kernelInitializer: "zeros" })
    .apply(x) as Sym;
  return tfl.layers.batchNormalization({ axis: 3, epsilon: VGGFACE2_BN_EPSILON, name: `${name}/bn` }).apply(c) as Sym;
}

function relu(x: Sym, name?: string): Sym {
  return tfl.layers.activation({ activation: "relu", ...(name !== undefined ? { name } : {}) }).apply(x) as Sym;
}

/** keras-vggface `resnet_identity_block` / `resnet_conv_block` (with a projection shortcut when `strides` is given). */
function block(x: Sym, filters: readonly [number, number, number], stage: number, blockNo: number, projectStrides?: number): Sym {
  const p = `conv${stage}_${blockNo}`;
  const s = projectStrides ?? 1;
  let y = relu(convBn(x, filters[0], 1, `${p}_1x1_reduce`, s));
  y = relu(convBn(y, filters[1], 3, `${p}_3x3`, 1, "same"));
  y = convBn(y, filters[2], 1, `${p}_1x1_increase`);
  const shortcut = projectStrides !== undefined ? convBn(x, filters[2], 1, `${p}_1x1_proj`, s) : x;
  const sum = tfl.layers.add({ name: `${p}_add` }).apply([y, shortcut]) as Sym;
  return relu(sum, `${p}_relu`);
}

/**
 * Builds the VGGFace2 ResNet-50 of keras-vggface (`VGGFace(model='resnet50', include_top=False)`) in
 * TensorFlow.js layers, with keras-vggface's layer names (`conv1/7x7_s2`, `conv2_1_1x1_reduce/bn`, ...), so the
 * published Keras weights load by name. Weights are zero until loaded. The model's outputs are, in order:
 * the flattened `avg_pool` (2048) and the global average of `conv5_3`, `conv4_6` and `conv3_4` block outputs.
 */
export function buildVggface2Resnet50(): tfl.LayersModel {
  const input = tfl.input({ shape: [VGGFACE2_INPUT, VGGFACE2_INPUT, 3], name: "input_1" });
  let x = relu(convBn(input, 64, 7, "conv1/7x7_s2", 2, "same"));
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: "pool1" }).apply(x) as Sym;

  x = block(x, [64, 64, 256], 2, 1, 1);
  x = block(x, [64, 64, 256], 2, 2);
  x = block(x, [64, 64, 256], 2, 3);

  x = block(x, [128, 128, 512], 3, 1, 2);
  for (let b = 2; b <= 4; b++) x = block(x, [128, 128, 512], 3, b);
  const conv3 = x;

  x = block(x, [256, 256, 1024], 4, 1, 2);
  for (let b = 2; b <= 6; b++) x = block(x, [256, 256, 1024], 4, b);
  const conv4 = x;

  x = block(x, [512, 512, 2048], 5, 1, 2);
  x = block(x, [512, 512, 2048], 5, 2);
  x = block(x, [512, 512, 2048], 5, 3);
  const conv5 = x;

  const avg = tfl.layers.averagePooling2d({ poolSize: 7, name: "avg_pool" }).apply(x) as Sym;
  const flat = tfl.layers.flatten({ name: "flatten" }).apply(avg) as Sym;
  const gap = (t: Sym, name: string): Sym => tfl.layers.globalAveragePooling2d({ name }).apply(t) as Sym;
  return tfl.model({
    inputs: input,
    outputs: [flat, gap(conv5, "conv5_3_gap"), gap(conv4, "conv4_6_gap"), gap(conv3, "conv3_4_gap")],
    name: "vggface_resnet50",
  });
}
