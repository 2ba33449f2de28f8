// A fer CNN as plain data, read from the Keras topology JSON tfjs-layers writes (model.json's `modelTopology`, or
// `LayersModel.toJSON()`): no tfjs here, so that inference (ONNX on onnxruntime, or on tfjs-core) loads a model folder
// without @tensorflow/tfjs-layers.

/** One weight of a layer: its shape (tfjs layout) and float32 values, row-major. */
export interface CnnWeight {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** One layer of a CNN description. */
export interface DescribedLayer {
  readonly name: string;
  /** Keras / tfjs-layers class name (`InputLayer`, `Conv2D`, `BatchNormalization`, `Add`, ...). */
  readonly kind: string;
  /** The layer's config as tfjs-layers holds it (camelCase keys and string values: `dataFormat: "channelsLast"`). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Names of the layers whose outputs this layer reads, in order (none for the input). */
  readonly inputs: readonly string[];
  /** The output shape without the batch axis: `[h, w, c]` or `[units]`. */
  readonly shape: readonly number[];
  /** The layer's weights by their short name (`kernel`, `bias`, `gamma`, `beta`, `moving_mean`, `moving_variance`). */
  readonly weights: Readonly<Record<string, CnnWeight>>;
}

/** A single-input, single-output CNN: its layers in topological order, the input layer first and the output last. */
export interface CnnDescription {
  readonly name: string;
  readonly layers: readonly DescribedLayer[];
}

/** Thrown for a topology fer cannot read: another format, a layer kind or setting it does not know, a shared layer. */
export class CnnDescriptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CnnDescriptionError";
  }
}

/** The layer kinds {@link describeCnn} reads (what fer's architectures are built of). */
export const DESCRIBED_LAYER_KINDS = [
  "InputLayer",
  "Conv2D",
  "Dense",
  "MaxPooling2D",
  "AveragePooling2D",
  "GlobalAveragePooling2D",
  "Flatten",
  "Dropout",
  "BatchNormalization",
  "ReLU",
  "Activation",
  "Add",
] as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** tfjs-layers' identifier conversion (`generic_utils.toCamelCase`): `channels_last` -> `channelsLast`. */
function toCamelCase(s: string): string {
  return s.length <= 1 || !s.includes("_") ? s : s.replace(/_+(\w|$)/g, (_, c: string) => c.toUpperCase());
}

/**
 * A Keras (pythonic) config in tfjs-layers' form, as its deserialiser makes it (`convertPythonicToTs`): keys and string
 * values in camelCase, except the value of `name`.
 */
function tsConfig(v: unknown, key?: string): unknown {
  if (typeof v === "string") return key === "name" ? v : toCamelCase(v);
  if (Array.isArray(v)) return v.map((x) => tsConfig(x, key));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k === "name" ? k : toCamelCase(k), tsConfig(x, k === "name" ? k : toCamelCase(k))]));
  return v;
}

/** Two positive integers from `3` or `[3, 3]`. */
function pairOf(v: unknown, what: string): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x) && (x as number) > 0)) throw new CnnDescriptionError(`${what}: expected one or two positive integers, got ${JSON.stringify(v)}`);
  return [a[0] as number, a[1] as number];
}

/** Output side of a convolution or pooling window along one axis (TensorFlow's `same` and `valid`). */
function outSide(size: number, window: number, stride: number, padding: unknown, what: string): number {
  if (padding === "same") return Math.ceil(size / stride);
  if (padding === "valid") {
    const out = Math.floor((size - window) / stride) + 1;
    if (out < 1) throw new CnnDescriptionError(`${what}: a ${window}-wide window does not fit an input of ${size}`);
    return out;
  }
  throw new CnnDescriptionError(`${what}: padding ${JSON.stringify(padding)} (expected same or valid)`);
}

/** The output shape of a layer from its inputs' shapes. */
function outputShape(kind: string, config: Json, name: string, inputs: ReadonlyArray<readonly number[]>): number[] {
  const what = `layer ${name}`;
  const x = inputs[0]!;
  const spatial = (): [number, number, number] => {
    if (x.length !== 3) throw new CnnDescriptionError(`${what}: ${kind} reads [h, w, c] inputs, got [${x.join(", ")}]`);
    if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") throw new CnnDescriptionError(`${what}: data format ${String(config.dataFormat)} is not supported`);
    return x as [number, number, number];
  };
  switch (kind) {
    case "Conv2D": {
      const [h, w] = spatial();
      const [kh, kw] = pairOf(config.kernelSize, what);
      const [sh, sw] = pairOf(config.strides ?? 1, what);
      if (!Number.isInteger(config.filters)) throw new CnnDescriptionError(`${what}: no filters`);
      return [outSide(h, kh, sh, config.padding, what), outSide(w, kw, sw, config.padding, what), config.filters as number];
    }
    case "MaxPooling2D":
    case "AveragePooling2D": {
      const [h, w, c] = spatial();
      const [ph, pw] = pairOf(config.poolSize, what);
      const [sh, sw] = pairOf(config.strides ?? config.poolSize, what);
      return [outSide(h, ph, sh, config.padding, what), outSide(w, pw, sw, config.padding, what), c];
    }
    case "GlobalAveragePooling2D": {
      const [, , c] = spatial();
      return config.keepDims === true ? [1, 1, c] : [c];
    }
    case "Dense":
      if (x.length !== 1) throw new CnnDescriptionError(`${what}: Dense layers read flat inputs, got [${x.join(", ")}]`);
      if (!Number.isInteger(config.units)) throw new CnnDescriptionError(`${what}: no units`);
      return [config.units as number];
    case "Flatten":
      return [x.reduce((a, b) => a * b, 1)];
    case "Dropout":
    case "BatchNormalization":
    case "ReLU":
    case "Activation":
      return [...x];
    case "Add":
      if (inputs.length < 2 || inputs.some((s) => s.join() !== x.join())) throw new CnnDescriptionError(`${what}: Add needs two or more inputs of one shape, got ${inputs.map((s) => `[${s.join(", ")}]`).join(", ")}`);
      return [...x];
    default:
      throw new CnnDescriptionError(`${what}: ${kind} layers are not supported (fer reads ${DESCRIBED_LAYER_KINDS.join(", ")})`);
  }
}

/** Names of the layers a Keras layer's single inbound node reads (`[[["conv1", 0, 0, {}], ...]]`). */
function inboundNames(layer: Json, name: string): string[] {
  const nodes = layer.inbound_nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  if (nodes.length !== 1) throw new CnnDescriptionError(`layer ${name}: a layer applied ${nodes.length} times cannot be read (shared layers)`);
  const node = nodes[0] as unknown;
  if (!Array.isArray(node)) throw new CnnDescriptionError(`layer ${name}: unreadable inbound node ${JSON.stringify(node)}`);
  return node.map((ref: unknown) => {
    if (!Array.isArray(ref) || typeof ref[0] !== "string" || (ref[1] ?? 0) !== 0 || (ref[2] ?? 0) !== 0) throw new CnnDescriptionError(`layer ${name}: unreadable inbound reference ${JSON.stringify(ref)}`);
    return ref[0];
  });
}

/**
 * Reads a Keras topology as tfjs-layers writes it (model.json's `modelTopology`, `LayersModel.toJSON(null, false)`; a
 * functional `Model` or a `Sequential`, optionally wrapped in `model_config`) into a {@link CnnDescription}, with each
 * layer's weights taken from `weights` by their manifest names (`<layer>/<weight>`, e.g. `conv1_1/kernel`). Output
 * shapes are worked out here. Layers must come in topological order (tfjs-layers writes them so), each applied once.
 * @throws {CnnDescriptionError} naming the layer and the cause.
 */
export function describeCnn(topology: unknown, weights: ReadonlyMap<string, CnnWeight> = new Map()): CnnDescription {
  let top = topology;
  if (isObject(top) && isObject(top.model_config)) top = top.model_config;
  if (!isObject(top) || !isObject(top.config)) throw new CnnDescriptionError("the topology is not a Keras model (no class_name and config)");
  const className = top.class_name;
  const config = top.config;
  if (className !== "Model" && className !== "Functional" && className !== "Sequential") throw new CnnDescriptionError(`a ${String(className)} topology is not supported (expected Model or Sequential)`);
  const rawLayers = config.layers;
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) throw new CnnDescriptionError("the topology has no layers");
  const sequential = className === "Sequential";
  const byLayer = new Map<string, Record<string, CnnWeight>>();
  for (const [full, w] of weights) {
    const cut = full.lastIndexOf("/");
    if (cut <= 0) continue;
    const layer = full.slice(0, cut);
    const own = byLayer.get(layer) ?? {};
    own[full.slice(cut + 1)] = w;
    byLayer.set(layer, own);
  }
  const layers: DescribedLayer[] = [];
  const shapes = new Map<string, readonly number[]>();
  const inputShape = (raw: Json, name: string): number[] => {
    const shape = raw.batchInputShape;
    if (!Array.isArray(shape) || shape.length < 2 || !shape.slice(1).every((d) => Number.isInteger(d) && (d as number) > 0)) {
      throw new CnnDescriptionError(`layer ${name}: the input needs a fixed shape, got ${JSON.stringify(shape)}`);
    }
    return shape.slice(1) as number[];
  };
  for (const raw of rawLayers as unknown[]) {
    if (!isObject(raw) || typeof raw.class_name !== "string" || !isObject(raw.config)) throw new CnnDescriptionError(`unreadable layer ${JSON.stringify(raw).slice(0, 80)}`);
    const kind = raw.class_name;
    const layerConfig = tsConfig(raw.config) as Json;
    const name = typeof raw.name === "string" ? raw.name : String(layerConfig.name);
    if (shapes.has(name)) throw new CnnDescriptionError(`layer ${name}: the name is used twice`);
    let inputs: string[];
    if (sequential) {
      if (layers.length === 0 && kind !== "InputLayer") {
        const input = { name: `${name}_input`, kind: "InputLayer", config: {}, inputs: [], shape: inputShape(layerConfig, name), weights: {} };
        layers.push(input);
        shapes.set(input.name, input.shape);
      }
      inputs = kind === "InputLayer" ? [] : [layers.at(-1)!.name];
    } else {
      inputs = inboundNames(raw, name);
    }
    for (const i of inputs) if (!shapes.has(i)) throw new CnnDescriptionError(`layer ${name}: reads ${i}, which is not an earlier layer`);
    let shape: number[];
    if (kind === "InputLayer") {
      if (layers.length > 0) throw new CnnDescriptionError(`layer ${name}: a second input (fer reads single-input models)`);
      shape = inputShape(layerConfig, name);
    } else {
      if (inputs.length === 0) throw new CnnDescriptionError(`layer ${name}: reads no layer`);
      shape = outputShape(kind, layerConfig, name, inputs.map((i) => shapes.get(i)!));
    }
    shapes.set(name, shape);
    layers.push({ name, kind, config: layerConfig, inputs, shape, weights: byLayer.get(name) ?? {} });
  }
  if (layers[0]?.kind !== "InputLayer") throw new CnnDescriptionError("the first layer is not the input");
  if (!sequential) {
    const refs = (key: string) => (Array.isArray(config[key]) ? (config[key] as unknown[]) : []).map((r) => (Array.isArray(r) ? r[0] : r));
    const [ins, outs] = [refs("input_layers"), refs("output_layers")];
    if (ins.length !== 1 || outs.length !== 1) throw new CnnDescriptionError(`expected one input and one output, got ${ins.length} and ${outs.length}`);
    if (ins[0] !== layers[0].name) throw new CnnDescriptionError(`the input ${String(ins[0])} is not the first layer`);
    if (outs[0] !== layers.at(-1)!.name) throw new CnnDescriptionError(`the output ${String(outs[0])} is not the last layer`);
  }
  const name = typeof config.name === "string" ? config.name : "cnn";
  return { name, layers };
}
