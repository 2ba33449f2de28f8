import type * as tfl from "@tensorflow/tfjs-layers";

/** One layer of a model's graph, with the layers it reads and how many layers read it. */
export interface GraphLayer {
  readonly layer: tfl.layers.Layer;
  readonly name: string;
  /** tfjs-layers class name (`Conv2D`, `BatchNormalization`, `Add`, ...). */
  readonly kind: string;
  readonly config: Record<string, unknown>;
  /** Names of the layers whose outputs this layer reads, in order. */
  readonly inputs: readonly string[];
  /** How many later layers read this layer's output (0 for the model's output). */
  readonly consumers: number;
  /** The output shape without the batch axis: `[h, w, c]` or `[units]`. */
  readonly shape: readonly number[];
}

/** Thrown for a model whose graph fer cannot walk (shared layers, several inputs or outputs). */
export class LayerGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LayerGraphError";
  }
}

/**
 * The layers of a single-input, single-output tfjs-layers model in topological order (tfjs-layers keeps
 * `model.layers` sorted so that every layer comes after the layers it reads), the InputLayer first. Each layer must
 * be applied once (no shared layers); a layer's output may be read by several layers (a residual connection).
 */
export function layerGraph(model: tfl.LayersModel): GraphLayer[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new LayerGraphError(`model ${model.name}: expected one input and one output`);
  const seen = new Set<string>();
  const consumers = new Map<string, number>();
  const out: Array<Omit<GraphLayer, "consumers">> = [];
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (layer.inboundNodes.length !== 1) throw new LayerGraphError(`layer ${layer.name}: a layer applied ${layer.inboundNodes.length} times cannot be written out`);
    const inputs = kind === "InputLayer" ? [] : layer.inboundNodes[0]!.inboundLayers.map((l) => l.name);
    for (const i of inputs) {
      if (!seen.has(i)) throw new LayerGraphError(`layer ${layer.name}: reads ${i}, which comes later`);
      consumers.set(i, (consumers.get(i) ?? 0) + 1);
    }
    seen.add(layer.name);
    const shape = (kind === "InputLayer" ? model.inputs[0]!.shape : (layer.outputShape as (number | null)[])).slice(1) as number[];
    out.push({ layer, name: layer.name, kind, config: layer.getConfig() as Record<string, unknown>, inputs, shape });
  }
  if (out[0]?.kind !== "InputLayer") throw new LayerGraphError(`model ${model.name}: the first layer is not its input`);
  if (out.at(-1)!.layer !== model.outputLayers[0]) throw new LayerGraphError(`model ${model.name}: the last layer is not its output`);
  return out.map((l) => ({ ...l, consumers: consumers.get(l.name) ?? 0 }));
}

/** A square size or stride from a layer config (`3` or `[3, 3]`). */
export function squareSize(v: unknown, what: string): number {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || a[0] !== a[1] || !Number.isInteger(a[0])) throw new LayerGraphError(`${what}: expected a square size, got ${JSON.stringify(v)}`);
  return a[0] as number;
}

/**
 * TensorFlow's padding of one spatial axis: `same` gives ceil(in / stride) outputs and puts the odd pixel of padding
 * after (as ONNX's SAME_UPPER), `valid` none.
 */
export function convPadding(size: number, kernel: number, stride: number, padding: string): { out: number; before: number; after: number } {
  if (padding === "valid") return { out: Math.floor((size - kernel) / stride) + 1, before: 0, after: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

/** Names of the weights of a BatchNormalization layer (gamma and beta may be absent with `scale`/`center` false). */
export function batchNormWeights(layer: tfl.layers.Layer): { gamma?: tfl.LayerVariable; beta?: tfl.LayerVariable; movingMean: tfl.LayerVariable; movingVariance: tfl.LayerVariable } {
  const find = (suffix: string) => layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix);
  const movingMean = find("moving_mean");
  const movingVariance = find("moving_variance");
  if (movingMean === undefined || movingVariance === undefined) throw new LayerGraphError(`layer ${layer.name}: no moving_mean / moving_variance weights`);
  const gamma = find("gamma");
  const beta = find("beta");
  return { ...(gamma === undefined ? {} : { gamma }), ...(beta === undefined ? {} : { beta }), movingMean, movingVariance };
}
