import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { EmbeddingError } from "../errors.js";

/** One weight array read from a weights file. */
export interface WeightArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Finds the weight `short` (e.g. `kernel`, `gamma`, `moving_variance`) of layer `layer` in some weights source. */
export type WeightLookup = (layer: string, short: string) => WeightArray | undefined;

/** A weight the model needs: its layer, its short name and shape. */
export interface ExpectedWeight {
  readonly layer: string;
  readonly short: string;
  readonly shape: readonly number[];
}

/** The short name of a tfjs variable of layer `layer` (e.g. `conv1/7x7_s2/kernel` -> `kernel`). */
function shortName(layer: string, variableName: string): string {
  const base = variableName.replace(/:\d+$/, "");
  return base.startsWith(`${layer}/`) ? base.slice(layer.length + 1) : base.slice(base.lastIndexOf("/") + 1);
}

/** Every weight of `model`, in layer order. */
export function expectedWeights(model: tfl.LayersModel): ExpectedWeight[] {
  const out: ExpectedWeight[] = [];
  for (const layer of model.layers) {
    for (const w of layer.weights) out.push({ layer: layer.name, short: shortName(layer.name, w.originalName), shape: w.shape as number[] });
  }
  return out;
}

/**
 * Loads every weight of `model` from `lookup`, checking that each one exists and has the right shape before
 * anything is assigned. Throws `bad-weights-layout` naming the first missing weights (up to 5) or the first
 * shape mismatch, with `source` (the file) in the message.
 */
export function assignWeights(model: tfl.LayersModel, lookup: WeightLookup, source: string): void {
  const found: { layer: tfl.layers.Layer; values: WeightArray[] }[] = [];
  const missing: string[] = [];
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const values: WeightArray[] = [];
    for (const w of layer.weights) {
      const short = shortName(layer.name, w.originalName);
      const v = lookup(layer.name, short);
      if (v === undefined) {
        missing.push(`${layer.name}/${short}`);
        continue;
      }
      const want = w.shape as number[];
      if (v.shape.length !== want.length || v.shape.some((d, i) => d !== want[i])) {
        throw new EmbeddingError(
          "bad-weights-layout",
          `${source}: weight ${layer.name}/${short} has shape [${v.shape.join(", ")}], the VGGFace2 ResNet-50 needs [${want.join(", ")}]`,
          source,
        );
      }
      values.push(v);
    }
    found.push({ layer, values });
  }
  if (missing.length > 0) {
    throw new EmbeddingError(
      "bad-weights-layout",
      `${source}: ${missing.length} weight(s) of the VGGFace2 ResNet-50 are missing, e.g. ${missing.slice(0, 5).join(", ")}`,
      source,
    );
  }
  for (const { layer, values } of found) {
    const tensors = values.map((v) => tf.tensor(v.data, [...v.shape], "float32"));
    try {
      layer.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }
}
