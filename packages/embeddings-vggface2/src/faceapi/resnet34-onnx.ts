import { OnnxGraphBuilder } from "@fer/runtime";

/**
 * One convolution of face-api's ResNet-34 as plain arrays: filter `[kh, kw, in, out]` (tfjs layout), the convolution's
 * bias and the affine "scale" layer after it (`y = (conv(x) + bias) * scale + shift`, per output channel).
 */
export interface ResnetConvArrays {
  readonly filterShape: readonly [number, number, number, number];
  readonly filter: Float32Array;
  readonly bias: Float32Array;
  readonly scale: Float32Array;
  readonly shift: Float32Array;
}

/** What {@link faceApiResnetOnnxModel} needs: the stem, the residual stages in order, and the descriptor's matrix. */
export interface ResnetOnnxWeights {
  /** Input side (150) and the per-channel RGB means subtracted before dividing by 255. */
  readonly inputSize: number;
  readonly meanRgb: readonly number[];
  readonly stem: ResnetConvArrays;
  /** Each stage: its name, whether it down-samples, its two convolutions, and the tap read after it (if any). */
  readonly blocks: readonly { readonly name: string; readonly down: boolean; readonly conv1: ResnetConvArrays; readonly conv2: ResnetConvArrays; readonly tap?: string }[];
  /** `[256, 128]`, row-major. */
  readonly fc: Float32Array;
}

/** The graph's input: `[faces, 150, 150, 3]` RGB values 0..255 (what `facesToTensor` makes). */
export const RESNET_ONNX_INPUT = "faces";

/**
 * Writes face-api's ResNet-34 as an ONNX graph with the same layers as the tfjs forward pass of `resnet34.ts`:
 * normalisation, the 7x7 stride-2 stem and 3x3 stride-2 max pool, the residual stages (dlib's down-sampling block:
 * 2x2 average-pooled shortcut, zero-padded in channels, the main path zero-padded at the end when the sizes differ),
 * global average pool and the 128-d descriptor. Each convolution's bias and scale layer are folded into its weights.
 * Outputs: every block tap's feature map, NCHW (`block32` ... `block256`), `pool` `[n, 256]` and `descriptor` `[n, 128]`.
 */
export function faceApiResnetOnnxModel(w: ResnetOnnxWeights): Uint8Array {
  const g = new OnnxGraphBuilder("faceapi_resnet34");
  const input = g.addInput(RESNET_ONNX_INPUT, ["faces", w.inputSize, w.inputSize, 3]);
  const centred = g.addNode("Sub", [input, g.addFloatInitializer("mean_rgb", [3], Float32Array.from(w.meanRgb))], ["centred"]);
  const scaled = g.addNode("Div", [centred, g.addFloatInitializer("pixel_range", [], new Float32Array([255]))], ["scaled"]);
  const nchw = g.addNode("Transpose", [scaled], ["nchw"], { perm: { ints: [0, 3, 1, 2] } });

  /** A convolution with the scale layer folded in: filter * scale, (bias * scale + shift); 'same' for stride 1, 'valid' for 2. */
  const conv = (x: string, c: ResnetConvArrays, stride: 1 | 2, relu: boolean): string => {
    const [kh, kw, inC, outC] = c.filterShape;
    const id = g.uniqueName("conv");
    const filter = new Float32Array(outC * inC * kh * kw);
    for (let y = 0; y < kh; y++) {
      for (let x2 = 0; x2 < kw; x2++) {
        for (let i = 0; i < inC; i++) {
          for (let o = 0; o < outC; o++) filter[((o * inC + i) * kh + y) * kw + x2] = c.filter[((y * kw + x2) * inC + i) * outC + o]! * c.scale[o]!;
        }
      }
    }
    const bias = c.bias.map((b, o) => b * c.scale[o]! + c.shift[o]!);
    const out = g.addNode("Conv", [x, g.addFloatInitializer(`${id}_w`, [outC, inC, kh, kw], filter), g.addFloatInitializer(`${id}_b`, [outC], bias)], [id], {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: [stride, stride] },
      auto_pad: { string: stride === 2 ? "VALID" : "SAME_UPPER" },
    });
    return relu ? g.addNode("Relu", [out], [`${id}_relu`]) : out;
  };
  const pad = (x: string, pads: readonly number[]): string => g.addNode("Pad", [x, g.addInt64Initializer(g.uniqueName("pads"), pads)], [g.uniqueName("padded")]);

  let side = Math.floor((w.inputSize - w.stem.filterShape[0]) / 2) + 1;
  let x = conv(nchw, w.stem, 2, true);
  x = g.addNode("MaxPool", [x], ["stem_pool"], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] } });
  side = Math.floor((side - 3) / 2) + 1;
  let channels = w.stem.filterShape[3];
  for (const b of w.blocks) {
    const outC = b.conv2.filterShape[3];
    let main = conv(conv(x, b.conv1, b.down ? 2 : 1, true), b.conv2, 1, false);
    let short = x;
    if (b.down) {
      const mainSide = Math.floor((side - 3) / 2) + 1;
      const shortSide = Math.floor(side / 2);
      short = g.addNode("AveragePool", [x], [g.uniqueName("shortcut")], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } });
      // NCHW pads: [begin n, c, h, w, end n, c, h, w].
      if (mainSide !== shortSide) main = pad(main, [0, 0, 0, 0, 0, 0, shortSide - mainSide, shortSide - mainSide]);
      if (outC !== channels) short = pad(short, [0, 0, 0, 0, 0, outC - channels, 0, 0]);
      side = shortSide;
    }
    channels = outC;
    x = g.addNode("Relu", [g.addNode("Add", [main, short], [`${b.name}_sum`])], [b.tap ?? b.name]);
    if (b.tap !== undefined) g.addOutput(b.tap, ["faces", channels, side, side]);
  }
  const pool = g.addNode("ReduceMean", [x], ["pool"], { axes: { ints: [2, 3] }, keepdims: { int: 0 } });
  g.addNode("MatMul", [pool, g.addFloatInitializer("fc", [channels, w.fc.length / channels], w.fc)], ["descriptor"]);
  g.addOutput("pool", ["faces", channels]);
  g.addOutput("descriptor", ["faces", w.fc.length / channels]);
  return g.encode();
}
