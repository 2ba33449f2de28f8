import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { tfl as tfLayers } from "./tfjs-layers.js";
import { FEATURE_LAYERS, type FeatureLayer } from "./architecture-specs.js";
import { INFERENCE_BATCH } from "./forward.js";

export { accuracy, argmaxRows } from "./metrics.js";

export { INFERENCE_BATCH };

function checkFaces(faces: Float32Array, count: number, size: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (faces.length !== count * size * size) {
    throw new RangeError(`expected ${count} faces of ${size}x${size} (${count * size * size} values), got ${faces.length} values`);
  }
}

/**
 * Runs `model` on `count` prepared faces (a [count, size, size] block of floats) in batches and returns
 * its outputs as one [count, outputs] Float32Array. No tensor outlives the call.
 */
export async function runBatched(
  model: tfl.LayersModel,
  faces: Float32Array,
  count: number,
  size: number,
  batchSize = INFERENCE_BATCH,
): Promise<{ values: Float32Array; width: number }> {
  checkFaces(faces, count, size);
  const width = (model.outputs[0]?.shape[1] as number | undefined) ?? 0;
  const values = new Float32Array(count * width);
  const per = size * size;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const out = tf.tidy(() => {
      const x = tf.tensor4d(faces.subarray(start * per, (start + n) * per), [n, size, size, 1]);
      return model.predict(x) as tf.Tensor;
    });
    values.set(await out.data(), start * width);
    out.dispose();
  }
  return { values, width };
}

const featureModels = new WeakMap<tfl.LayersModel, Map<FeatureLayer, tfl.LayersModel>>();

/** A model sharing `model`'s weights whose output is one of the 64-unit Dense layers (the study's layers 13/14). */
export function featureModel(model: tfl.LayersModel, layer: FeatureLayer): tfl.LayersModel {
  let cache = featureModels.get(model);
  if (cache === undefined) {
    cache = new Map();
    featureModels.set(model, cache);
  }
  let sub = cache.get(layer);
  if (sub === undefined) {
    const output = model.getLayer(FEATURE_LAYERS[layer]).output as tfl.SymbolicTensor;
    sub = tfLayers.model({ inputs: model.inputs, outputs: output });
    cache.set(layer, sub);
  }
  return sub;
}

/** Features of `count` prepared faces from the first (`dense1`) or second (`dense2`) 64-unit Dense layer. */
export async function extractFeatures(
  model: tfl.LayersModel,
  layer: FeatureLayer,
  faces: Float32Array,
  count: number,
  size: number,
  batchSize = INFERENCE_BATCH,
): Promise<{ values: Float32Array; width: number }> {
  return runBatched(featureModel(model, layer), faces, count, size, batchSize);
}
