import { ProtoWriter } from "./protobuf-writer.js";

/** An attribute of an ONNX node: an int, a float, a string or a list of ints. */
export type OnnxAttribute = { int: number } | { float: number } | { string: string } | { ints: readonly number[] };

/** A dimension of a graph input or output: a size, or a name for a size known only at run time. */
export type OnnxDim = number | string;

// Field numbers and enums of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
const ELEM_FLOAT = 1;
const ELEM_INT64 = 7;
const ATTR = { float: 1, int: 2, string: 3, ints: 7 } as const;
const IR_VERSION = 8;
const OPSET = 13;

function tensorProto(name: string, dims: readonly number[], elemType: number, raw: Uint8Array): ProtoWriter {
  return new ProtoWriter().packedInts(1, dims).int(2, elemType).string(8, name).bytes(9, raw);
}

function valueInfo(name: string, shape: readonly OnnxDim[]): ProtoWriter {
  const shapeProto = new ProtoWriter();
  for (const d of shape) {
    shapeProto.message(1, typeof d === "number" ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  }
  const tensorType = new ProtoWriter().int(1, ELEM_FLOAT).message(2, shapeProto);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

function attributeProto(name: string, value: OnnxAttribute): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  if ("int" in value) return a.int(3, value.int).int(20, ATTR.int);
  if ("float" in value) return a.float(2, value.float).int(20, ATTR.float);
  if ("string" in value) return a.string(4, value.string).int(20, ATTR.string);
  return a.packedInts(8, value.ints).int(20, ATTR.ints);
}

/**
 * Builds a float32 ONNX model (opset 13) in memory, node by node, for onnxruntime to load from a buffer. Only what
 * this package's networks need: float and int64 initializers, float inputs and outputs.
 */
export class OnnxGraphBuilder {
  private readonly nodes: ProtoWriter[] = [];
  private readonly initializers: ProtoWriter[] = [];
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private nodeCount = 0;

  constructor(private readonly graphName: string) {}

  private readonly nameCounts = new Map<string, number>();

  /** A name not used before in this graph: `prefix` followed by a number. */
  uniqueName(prefix: string): string {
    const n = this.nameCounts.get(prefix) ?? 0;
    this.nameCounts.set(prefix, n + 1);
    return `${prefix}${n}`;
  }

  /** A float32 constant; `data` is in row-major order of `dims`. */
  addFloatInitializer(name: string, dims: readonly number[], data: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new RangeError(`initializer ${name}: ${data.length} values for shape [${dims.join(", ")}]`);
    // A copy, so that its buffer holds exactly these values (`data` may be a view into a larger buffer).
    const copy = new Float32Array(data);
    this.initializers.push(tensorProto(name, dims, ELEM_FLOAT, new Uint8Array(copy.buffer)));
    return name;
  }

  /** A 1-D int64 constant (e.g. a Reshape target shape). */
  addInt64Initializer(name: string, values: readonly number[]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push(tensorProto(name, [values.length], ELEM_INT64, new Uint8Array(data.buffer)));
    return name;
  }

  /** A float32 graph input. */
  addInput(name: string, shape: readonly OnnxDim[]): string {
    this.inputs.push(valueInfo(name, shape));
    return name;
  }

  /** Marks `name` as a float32 graph output. */
  addOutput(name: string, shape: readonly OnnxDim[]): void {
    this.outputs.push(valueInfo(name, shape));
  }

  /** Adds a node of the default domain; returns its first output's name. */
  addNode(op: string, inputs: readonly string[], outputs: readonly string[], attributes: Record<string, OnnxAttribute> = {}): string {
    const node = new ProtoWriter();
    for (const i of inputs) node.string(1, i);
    for (const o of outputs) node.string(2, o);
    node.string(3, `${op}_${this.nodeCount++}`).string(4, op);
    for (const [name, value] of Object.entries(attributes)) node.message(5, attributeProto(name, value));
    this.nodes.push(node);
    return outputs[0]!;
  }

  /** The serialised ModelProto. */
  encode(): Uint8Array {
    const graph = new ProtoWriter();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, this.graphName);
    for (const t of this.initializers) graph.message(5, t);
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);
    return new ProtoWriter()
      .int(1, IR_VERSION)
      .string(2, "@fer/cnn")
      .message(7, graph)
      .message(8, new ProtoWriter().string(1, "").int(2, OPSET))
      .finish();
  }
}
