import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** Deterministic values in [-1, 1) from a linear congruential generator. */
export function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Random gamma, beta and moving statistics in every batch-norm layer of a model, so that folding them is not a no-op. */
export function randomiseBatchNorm(model: tfl.LayersModel): void {
  let seed = 1;
  for (const layer of model.layers.filter((l) => l.getClassName() === "BatchNormalization")) {
    const c = layer.getWeights()[0]!.shape[0]!;
    const r = () => randomArray(c, seed++);
    layer.setWeights([tf.tensor1d(r().map((v) => 1 + 0.5 * v)), tf.tensor1d(r().map((v) => 0.3 * v)), tf.tensor1d(r().map((v) => 0.2 * v)), tf.tensor1d(r().map((v) => 1 + 0.5 * v))]);
  }
}
