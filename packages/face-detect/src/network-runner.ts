import * as tf from "@tensorflow/tfjs-core";
import { createCpuSession, type OnnxGraphBuilder, type OnnxRuntime, type ResolvedEngine } from "@fer/runtime";
import { tfjsOnnxRuntime } from "@fer/runtime/tfjs";
import type { NetworkRunner } from "./runner.js";

export type { NetworkRunner } from "./runner.js";

/** Options of an onnxruntime runner. */
export interface OnnxRunnerOptions {
  /** onnxruntime's intra-op threads; default: onnxruntime's (one per physical core). Ignored on tfjs. */
  threads?: number;
  /**
   * The graph's image input: its name and layout. Default: the `image` input `[1, height, width, 3]` of the graphs
   * this package writes; ONNX files made elsewhere (YuNet, UltraFace) take `[1, 3, height, width]` (`nchw`).
   */
  input?: { name: string; layout: "nhwc" | "nchw" };
}

/** The name of the NHWC image input of the ONNX graphs written here. */
const IMAGE_INPUT = "image";

/** Adds the `[1, height, width, 3]` image input (height and width dynamic) and returns it in NCHW order. */
export function addImageInput(g: OnnxGraphBuilder): string {
  const image = g.addInput(IMAGE_INPUT, [1, "height", "width", 3]);
  return g.addNode("Transpose", [image], ["nchw"], { perm: { ints: [0, 3, 1, 2] } });
}

/**
 * Adds a convolution with tfjs-layout weights: `filter` `[kh, kw, in, out]` (depthwise: `[kh, kw, in, 1]`), an
 * optional bias, TensorFlow's 'same' padding (ONNX SAME_UPPER: the odd pixel of padding goes after) or 'valid'.
 */
export function addTfConv(
  g: OnnxGraphBuilder,
  x: string,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | undefined,
  options: { stride?: number; pad: "same" | "valid"; depthwise?: boolean },
): string {
  const [kh, kw, inC, outC] = filter.shape;
  const depthwise = options.depthwise ?? false;
  const id = g.uniqueName("conv");
  // ONNX filters are [out, in / group, kh, kw]; a depthwise filter [kh, kw, in, 1] becomes [in, 1, kh, kw].
  // Read outside tf.tidy: tidy walks its result, and a Float32Array is walked element by element.
  const transposed = tf.transpose(filter, depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1]);
  const data = transposed.dataSync() as Float32Array;
  transposed.dispose();
  const inputs = [x, g.addFloatInitializer(`${id}_w`, depthwise ? [inC, 1, kh, kw] : [outC, inC, kh, kw], data)];
  if (bias !== undefined) inputs.push(g.addFloatInitializer(`${id}_b`, [bias.shape[0]], bias.dataSync() as Float32Array));
  const stride = options.stride ?? 1;
  return g.addNode("Conv", inputs, [id], {
    kernel_shape: { ints: [kh, kw] },
    strides: { ints: [stride, stride] },
    auto_pad: { string: options.pad === "same" ? "SAME_UPPER" : "VALID" },
    group: { int: depthwise ? inC : 1 },
  });
}

/** A session on `model` (onnxruntime's, or the tfjs interpreter's), fed the image input and read at `outputs`. */
export async function createOnnxRunner(ort: OnnxRuntime, model: Uint8Array, outputs: readonly string[], options: OnnxRunnerOptions = {}): Promise<NetworkRunner> {
  const session = await createCpuSession(ort, model, options.threads);
  const { name, layout } = options.input ?? { name: IMAGE_INPUT, layout: "nhwc" };
  let released = false;
  return {
    async run(input, height, width) {
      const dims = layout === "nhwc" ? [1, height, width, 3] : [1, 3, height, width];
      const result = await session.run({ [name]: new ort.Tensor("float32", input, dims) });
      return outputs.map((name) => result[name]!.data as Float32Array);
    },
    dispose() {
      if (released) return;
      released = true;
      void session.release();
    },
  };
}

/** The onnxruntime-shaped module that runs a resolved engine: onnxruntime-node, or the tfjs interpreter of `@fer/runtime/tfjs`. */
export function engineRuntime(engine: ResolvedEngine): OnnxRuntime {
  return engine.engine === "onnxruntime" ? engine.ort : tfjsOnnxRuntime();
}
