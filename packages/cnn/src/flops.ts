import type * as tfl from "@tensorflow/tfjs-layers";

/**
 * Floating-point operations of one forward pass of one image (2 per multiply-add), counted over the
 * convolution and dense layers, which are nearly all of the work.
 */
export function forwardFlops(model: tfl.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === "Conv2D") {
      const out = layer.outputShape as number[];
      const [kh, kw, cin, cout] = layer.trainableWeights[0]!.shape as [number, number, number, number];
      flops += 2 * (out[1] as number) * (out[2] as number) * kh * kw * cin * cout;
    } else if (cls === "Dense") {
      const [inputs, units] = layer.trainableWeights[0]!.shape as [number, number];
      flops += 2 * inputs * units;
    }
  }
  return flops;
}

/** A training step costs about three forward passes: forward, gradient of the input, gradient of the weights. */
export const TRAIN_FLOPS_PER_FORWARD = 3;
