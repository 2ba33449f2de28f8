// The LayersModel -> CnnDescription adapter of the training side: a model being trained goes through the same reader
// as a model folder (its `toJSON()` is the topology model.json holds). tfjs-layers is only a type here.
import type * as tfl from "@tensorflow/tfjs-layers";
import { describeCnn, type CnnDescription, type CnnWeight } from "./cnn-description.js";
import { layerGraph, type GraphLayer } from "./layer-graph.js";
import { cnnToOnnx, type OnnxCnnOutputs } from "./layers-to-onnx.js";

/**
 * The description of a tfjs-layers model, read from its Keras topology (`model.toJSON()`) and, unless `weights` is
 * false, a copy of its weights' current values under their manifest names (`<layer>/<weight>`).
 * @throws {CnnDescriptionError} for a model fer cannot read.
 */
export function describeLayersModel(model: tfl.LayersModel, options: { weights?: boolean } = {}): CnnDescription {
  const weights = new Map<string, CnnWeight>();
  if (options.weights !== false) {
    for (const w of model.weights) weights.set(w.originalName, { shape: [...w.shape] as number[], values: Float32Array.from(w.read().dataSync() as Float32Array) });
  }
  return describeCnn(model.toJSON(null, false), weights);
}

/** A graph layer of a tfjs-layers model, with the layer object (for its variables). */
export interface LayersModelGraphLayer extends GraphLayer {
  /** The tfjs-layers layer (the input layer's too, when the model has one by that name). */
  readonly layer: tfl.layers.Layer;
}

/** The layers of a tfjs-layers model in topological order (see {@link layerGraph}), each with its layer object. */
export function layersModelGraph(model: tfl.LayersModel): LayersModelGraphLayer[] {
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  return layerGraph(describeLayersModel(model, { weights: false })).map((gl) => ({ ...gl, layer: byName.get(gl.name)! }));
}

/** The variables of a BatchNormalization layer (gamma and beta may be absent with `scale`/`center` false). */
export function batchNormVariables(layer: tfl.layers.Layer): { gamma?: tfl.LayerVariable; beta?: tfl.LayerVariable; movingMean: tfl.LayerVariable; movingVariance: tfl.LayerVariable } {
  const find = (suffix: string) => layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix);
  const movingMean = find("moving_mean");
  const movingVariance = find("moving_variance");
  if (movingMean === undefined || movingVariance === undefined) throw new TypeError(`layer ${layer.name}: no moving_mean / moving_variance weights`);
  const gamma = find("gamma");
  const beta = find("beta");
  return { ...(gamma === undefined ? {} : { gamma }), ...(beta === undefined ? {} : { beta }), movingMean, movingVariance };
}

/** Writes a tfjs-layers model's inference graph (its weights as they are now): {@link cnnToOnnx} of its description. */
export function layersModelToOnnx(model: tfl.LayersModel): { bytes: Uint8Array; names: OnnxCnnOutputs } {
  return cnnToOnnx(describeLayersModel(model));
}
