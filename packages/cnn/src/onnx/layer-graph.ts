import { CnnDescriptionError, type CnnDescription, type CnnWeight, type DescribedLayer } from "./cnn-description.js";

/** One layer of a model's graph, with how many layers read it. */
export interface GraphLayer extends DescribedLayer {
  /** How many later layers read this layer's output (0 for the model's output). */
  readonly consumers: number;
}

/** Thrown for a model whose graph fer cannot walk (shared layers, several inputs or outputs, unknown layers). */
export class LayerGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LayerGraphError";
  }
}

/**
 * The layers of a CNN description in topological order (every layer after the layers it reads), the input layer first,
 * each with the number of layers that read it (more than one: a residual connection).
 */
export function layerGraph(description: CnnDescription): GraphLayer[] {
  const consumers = new Map<string, number>();
  for (const l of description.layers) for (const i of l.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  return description.layers.map((l) => ({ ...l, consumers: consumers.get(l.name) ?? 0 }));
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

/** A weight a layer must have. */
export function requiredWeight(layer: DescribedLayer, name: string): CnnWeight {
  const w = layer.weights[name];
  if (w === undefined) throw new CnnDescriptionError(`layer ${layer.name}: no ${name} weight (the weights manifest has none named ${layer.name}/${name})`);
  return w;
}

/** The weights of a BatchNormalization layer (gamma and beta may be absent with `scale`/`center` false). */
export function batchNormWeights(layer: DescribedLayer): { gamma?: CnnWeight; beta?: CnnWeight; movingMean: CnnWeight; movingVariance: CnnWeight } {
  const { gamma, beta } = layer.weights;
  return { ...(gamma === undefined ? {} : { gamma }), ...(beta === undefined ? {} : { beta }), movingMean: requiredWeight(layer, "moving_mean"), movingVariance: requiredWeight(layer, "moving_variance") };
}
