import { fixedFloat, packedFloats, packedInts, ProtoDecodeError, ProtoReader, toInt64, utf8 } from "./protobuf-reader.js";

/** Element types of ONNX tensors the reader decodes (onnx.proto's `TensorProto.DataType` names, lower-cased). */
export type OnnxElemType = "float32" | "float64" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

/**
 * A constant tensor of a model (an initializer, or a `Constant` node's / attribute's value). Floating-point data is
 * a `Float32Array` (float64 rounded); integer and boolean data is a plain `number[]` (int64 values beyond 2^53 lose
 * precision, which only the "until the end" sentinels of `Slice` have, and they stay far beyond any dimension).
 */
export type OnnxConstant = { name: string; dims: number[] } & ({ type: "float32" | "float64"; data: Float32Array } | { type: Exclude<OnnxElemType, "float32" | "float64">; data: number[] });

/** A node attribute, by its ONNX type. */
export type OnnxNodeAttribute =
  | { type: "float"; value: number }
  | { type: "int"; value: number }
  | { type: "string"; value: string }
  | { type: "tensor"; value: OnnxConstant }
  | { type: "floats"; value: number[] }
  | { type: "ints"; value: number[] }
  | { type: "strings"; value: string[] };

/** A node of the graph. */
export interface OnnxNode {
  name: string;
  opType: string;
  /** Operator set domain; `""` (or `ai.onnx`) is the default one. */
  domain: string;
  /** Input value names; `""` marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxNodeAttribute>;
}

/** A graph input or output: its name, element type and shape (a number, a symbolic name, or `null` when unknown). */
export interface OnnxValueInfo {
  name: string;
  type: OnnxElemType | "unknown";
  shape: (number | string | null)[] | null;
}

/** A decoded ONNX model: its main graph (nodes in the file's order, which ONNX requires to be topological). */
export interface OnnxModelGraph {
  /** The graph's name (what errors name the model by). */
  name: string;
  irVersion: number;
  /** Version of the default operator set (`ai.onnx`). */
  opset: number;
  producer: string;
  nodes: OnnxNode[];
  initializers: OnnxConstant[];
  /** Inputs that are not initializers (what a caller feeds). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/**
 * Thrown for an ONNX model that cannot be decoded or run; the message names the model (its graph name, or the
 * source given) and the cause. `bad-model`: not a well-formed ONNX model; `unsupported`: a part the reader does not
 * decode (sparse or external data, an element type); `unsupported-op`: operators the tfjs engine cannot run (named);
 * `bad-input`: a run without one of the graph's inputs; `run-failed`: a node failed (named).
 */
export class OnnxModelError extends Error {
  constructor(
    readonly kind: "bad-model" | "unsupported" | "unsupported-op" | "bad-input" | "run-failed",
    readonly model: string,
    message: string,
  ) {
    super(`ONNX model ${model}: ${message}`);
    this.name = "OnnxModelError";
  }
}

// onnx.proto's TensorProto.DataType values.
const ELEM_TYPES: Record<number, OnnxElemType> = { 1: "float32", 2: "uint8", 3: "int8", 5: "int16", 6: "int32", 7: "int64", 9: "bool", 11: "float64" };
const ELEM_BYTES: Record<OnnxElemType, number> = { float32: 4, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

function decodeTensor(bytes: Uint8Array, model: string): OnnxConstant {
  let name = "";
  const dims: number[] = [];
  let elem = 0;
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const doubles: number[] = [];
  let external = false;
  for (const f of new ProtoReader(bytes).fields()) {
    if (f.field === 1) dims.push(...(f.wireType === 2 ? packedInts(f.bytes) : [toInt64(f.int)]));
    else if (f.field === 2) elem = Number(f.int);
    else if (f.field === 4) floats.push(...(f.wireType === 2 ? packedFloats(f.bytes) : [fixedFloat(f.bytes)]));
    else if (f.field === 5 || f.field === 7) ints.push(...(f.wireType === 2 ? packedInts(f.bytes) : [toInt64(f.int)]));
    else if (f.field === 8) name = utf8(f.bytes);
    else if (f.field === 9) raw = f.bytes;
    else if (f.field === 10) {
      if (f.wireType !== 2) doubles.push(new DataView(f.bytes.buffer, f.bytes.byteOffset, 8).getFloat64(0, true));
      else for (let i = 0; i < f.bytes.length; i += 8) doubles.push(new DataView(f.bytes.buffer, f.bytes.byteOffset + i, 8).getFloat64(0, true));
    } else if (f.field === 13) external = true;
  }
  const type = ELEM_TYPES[elem];
  if (type === undefined) throw new OnnxModelError("unsupported", model, `tensor ${name}: element type ${elem} is not supported`);
  if (external) throw new OnnxModelError("unsupported", model, `tensor ${name}: external data is not supported`);
  const size = dims.reduce((a, b) => a * b, 1);
  let values: number[] | Float32Array;
  if (raw !== undefined) {
    if (raw.length !== size * ELEM_BYTES[type]) throw new OnnxModelError("bad-model", model, `tensor ${name}: ${raw.length} bytes of raw data for shape [${dims.join(", ")}] of ${type}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (type === "float32") {
      values = new Float32Array(size);
      for (let i = 0; i < size; i++) values[i] = view.getFloat32(i * 4, true);
    } else if (type === "float64") {
      values = new Float32Array(size);
      for (let i = 0; i < size; i++) values[i] = view.getFloat64(i * 8, true);
    } else {
      values = [];
      for (let i = 0; i < size; i++) {
        if (type === "int64") values.push(Number(view.getBigInt64(i * 8, true)));
        else if (type === "int32") values.push(view.getInt32(i * 4, true));
        else if (type === "int16") values.push(view.getInt16(i * 2, true));
        else if (type === "int8") values.push(view.getInt8(i));
        else values.push(view.getUint8(i));
      }
    }
  } else {
    values = type === "float32" ? Float32Array.from(floats) : type === "float64" ? Float32Array.from(doubles) : ints;
    if (values.length !== size) throw new OnnxModelError("bad-model", model, `tensor ${name}: ${values.length} values for shape [${dims.join(", ")}]`);
  }
  return (type === "float32" || type === "float64" ? { name, dims, type, data: values as Float32Array } : { name, dims, type, data: values as number[] }) as OnnxConstant;
}

function decodeAttribute(bytes: Uint8Array, model: string): [string, OnnxNodeAttribute] {
  let name = "";
  let type = 0;
  let f32 = 0;
  let int = 0;
  let str = "";
  let tensor: OnnxConstant | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  for (const f of new ProtoReader(bytes).fields()) {
    if (f.field === 1) name = utf8(f.bytes);
    else if (f.field === 20) type = Number(f.int);
    else if (f.field === 2) f32 = fixedFloat(f.bytes);
    else if (f.field === 3) int = toInt64(f.int);
    else if (f.field === 4) str = utf8(f.bytes);
    else if (f.field === 5) tensor = decodeTensor(f.bytes, model);
    else if (f.field === 7) floats.push(...(f.wireType === 2 ? packedFloats(f.bytes) : [fixedFloat(f.bytes)]));
    else if (f.field === 8) ints.push(...(f.wireType === 2 ? packedInts(f.bytes) : [toInt64(f.int)]));
    else if (f.field === 9) strings.push(utf8(f.bytes));
  }
  switch (type) {
    case 1:
      return [name, { type: "float", value: f32 }];
    case 2:
      return [name, { type: "int", value: int }];
    case 3:
      return [name, { type: "string", value: str }];
    case 4:
      if (tensor === undefined) throw new OnnxModelError("bad-model", model, `attribute ${name}: tensor attribute without a tensor`);
      return [name, { type: "tensor", value: tensor }];
    case 6:
      return [name, { type: "floats", value: floats }];
    case 7:
      return [name, { type: "ints", value: ints }];
    case 8:
      return [name, { type: "strings", value: strings }];
    default:
      throw new OnnxModelError("unsupported", model, `attribute ${name}: attribute type ${type} is not supported`);
  }
}

function decodeNode(bytes: Uint8Array, model: string): OnnxNode {
  const node: OnnxNode = { name: "", opType: "", domain: "", inputs: [], outputs: [], attributes: {} };
  for (const f of new ProtoReader(bytes).fields()) {
    if (f.field === 1) node.inputs.push(utf8(f.bytes));
    else if (f.field === 2) node.outputs.push(utf8(f.bytes));
    else if (f.field === 3) node.name = utf8(f.bytes);
    else if (f.field === 4) node.opType = utf8(f.bytes);
    else if (f.field === 7) node.domain = utf8(f.bytes);
    else if (f.field === 5) {
      const [name, value] = decodeAttribute(f.bytes, model);
      node.attributes[name] = value;
    }
  }
  return node;
}

function decodeValueInfo(bytes: Uint8Array): OnnxValueInfo {
  const info: OnnxValueInfo = { name: "", type: "unknown", shape: null };
  for (const f of new ProtoReader(bytes).fields()) {
    if (f.field === 1) info.name = utf8(f.bytes);
    else if (f.field === 2) {
      for (const t of new ProtoReader(f.bytes).fields()) {
        if (t.field !== 1) continue; // tensor_type only
        for (const tt of new ProtoReader(t.bytes).fields()) {
          if (tt.field === 1) info.type = ELEM_TYPES[Number(tt.int)] ?? "unknown";
          else if (tt.field === 2) {
            info.shape = [];
            for (const d of new ProtoReader(tt.bytes).fields()) {
              if (d.field !== 1) continue;
              let dim: number | string | null = null;
              for (const dv of new ProtoReader(d.bytes).fields()) {
                if (dv.field === 1) dim = toInt64(dv.int);
                else if (dv.field === 2) dim = utf8(dv.bytes);
              }
              info.shape.push(dim);
            }
          }
        }
      }
    }
  }
  return info;
}

/**
 * Decodes an ONNX model file (a serialised `ModelProto`): the main graph's nodes with their attributes, its
 * initializers (raw data, or `float_data` / `int32_data` / `int64_data` / `double_data`), inputs and outputs.
 * Sub-graphs, sparse initializers and external data are not supported.
 * @param source what errors call the model before its graph name is read (e.g. a file name); default `"(bytes)"`.
 * @throws {OnnxModelError} `bad-model` for bytes that are not a well-formed ONNX model, `unsupported` for what this
 * reader does not decode (the message names the model and the part).
 */
export function readOnnxModel(bytes: Uint8Array, source = "(bytes)"): OnnxModelGraph {
  const model: OnnxModelGraph = { name: source, irVersion: 0, opset: 0, producer: "", nodes: [], initializers: [], inputs: [], outputs: [] };
  try {
    let graph: Uint8Array | undefined;
    for (const f of new ProtoReader(bytes).fields()) {
      if (f.field === 1) model.irVersion = Number(f.int);
      else if (f.field === 2) model.producer = utf8(f.bytes);
      else if (f.field === 7) graph = f.bytes;
      else if (f.field === 8) {
        let domain = "";
        let version = 0;
        for (const o of new ProtoReader(f.bytes).fields()) {
          if (o.field === 1) domain = utf8(o.bytes);
          else if (o.field === 2) version = Number(o.int);
        }
        if (domain === "" || domain === "ai.onnx") model.opset = version;
      }
    }
    if (graph === undefined) throw new OnnxModelError("bad-model", source, "no graph (not an ONNX model?)");
    const inputs: OnnxValueInfo[] = [];
    for (const f of new ProtoReader(graph).fields()) {
      if (f.field === 1) model.nodes.push(decodeNode(f.bytes, source));
      else if (f.field === 2 && source === "(bytes)") model.name = utf8(f.bytes) || source;
      else if (f.field === 5) model.initializers.push(decodeTensor(f.bytes, source));
      else if (f.field === 11) inputs.push(decodeValueInfo(f.bytes));
      else if (f.field === 12) model.outputs.push(decodeValueInfo(f.bytes));
      else if (f.field === 15) throw new OnnxModelError("unsupported", source, "sparse initializers are not supported");
    }
    const constants = new Set(model.initializers.map((t) => t.name));
    model.inputs = inputs.filter((i) => !constants.has(i.name));
  } catch (e) {
    if (e instanceof ProtoDecodeError) throw new OnnxModelError("bad-model", source, `not a well-formed ONNX model (${e.message})`);
    throw e;
  }
  return model;
}
