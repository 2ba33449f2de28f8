import * as tf from "@tensorflow/tfjs-core";
import { ensureBackend } from "../backend/ensure-backend.js";
import { type OnnxConstant, type OnnxModelGraph, OnnxModelError, type OnnxNode, type OnnxNodeAttribute, readOnnxModel } from "./onnx-reader.js";
import type { OnnxRuntime, OnnxSession, OnnxTensor } from "./runtime.js";

/**
 * The operators the tfjs interpreter runs (default domain): those of the ONNX graphs fer runs: YuNet (opset 11),
 * UltraFace (opset 9), the CNN graphs `layersModelToOnnx` writes and the SSD and Tiny face graphs of
 * `@fer/face-detect` (opset 13).
 */
export const TFJS_ONNX_OPS = [
  "Add",
  "AveragePool",
  "BatchNormalization",
  "Clip",
  "Concat",
  "Constant",
  "Conv",
  "Div",
  "Exp",
  "Flatten",
  "Gather",
  "Gemm",
  "GlobalAveragePool",
  "LeakyRelu",
  "MaxPool",
  "Mul",
  "Relu",
  "Reshape",
  "Resize",
  "Shape",
  "Sigmoid",
  "Slice",
  "Softmax",
  "Sub",
  "Sum",
  "Transpose",
  "Unsqueeze",
] as const;

const SUPPORTED = new Set<string>(TFJS_ONNX_OPS);

/**
 * A value while the graph runs. 4-D image tensors are kept channels-last (`nhwc: true`: the tensor's shape is
 * `[n, h, w, c]` for the ONNX value `[n, c, h, w]`), since tfjs's convolutions and pools take NHWC only; the ONNX
 * layout is restored (one transpose) only where an operator depends on it (Transpose, Reshape, Shape, Flatten...),
 * and a Transpose to NHWC before a Reshape, as detector heads do, costs nothing.
 */
interface Value {
  t: tf.Tensor;
  nhwc: boolean;
}

/** ONNX axis `a` of an `[n, c, h, w]` value is this axis of its NHWC tensor. */
const NHWC_AXIS = [0, 3, 1, 2];

function logical(v: Value): tf.Tensor {
  return v.nhwc ? tf.transpose(v.t, [0, 3, 1, 2]) : v.t;
}

/** The ONNX shape of a value. */
function shapeOf(v: Value): number[] {
  const s = v.t.shape;
  return v.nhwc ? [s[0]!, s[3]!, s[1]!, s[2]!] : s.slice();
}

/** The value's tensor in NHWC (it must be 4-D). */
function toNhwc(v: Value, what: string): tf.Tensor4D {
  if (v.nhwc) return v.t as tf.Tensor4D;
  if (v.t.rank !== 4) throw new Error(`${what}: expected a 4-D [n, c, h, w] input, got shape [${v.t.shape.join(", ")}]`);
  return tf.transpose(v.t, [0, 2, 3, 1]) as tf.Tensor4D;
}

const plain = (t: tf.Tensor): Value => ({ t, nhwc: false });
const channelsLast = (t: tf.Tensor): Value => ({ t, nhwc: true });

function attr(node: OnnxNode, name: string): OnnxNodeAttribute | undefined {
  return node.attributes[name];
}
function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = attr(node, name);
  return a === undefined ? fallback : Number(a.value);
}
function floatAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = attr(node, name);
  return a === undefined ? fallback : Number(a.value);
}
function intsAttr(node: OnnxNode, name: string): number[] | undefined {
  const a = attr(node, name);
  return a === undefined ? undefined : (a.value as number[]);
}
function stringAttr(node: OnnxNode, name: string, fallback: string): string {
  const a = attr(node, name);
  return a === undefined ? fallback : String(a.value);
}

const INT32_MAX = 2147483647;

function constantTensor(c: OnnxConstant): tf.Tensor {
  if (c.type === "float32" || c.type === "float64") return tf.tensor(c.data, c.dims, "float32");
  if (c.type === "bool") return tf.tensor(c.data.map((v) => v !== 0), c.dims, "bool");
  // tfjs has no int64: integer constants become int32 (shapes, indices and the "until the end" sentinels of Slice,
  // clamped to the int32 range, which changes nothing for a dimension).
  return tf.tensor(
    c.data.map((v) => Math.max(-INT32_MAX - 1, Math.min(INT32_MAX, v))),
    c.dims,
    "int32",
  );
}

/** An activation fused into a convolution (tfjs's fused kernels). */
type Activation = { kind: "relu" | "relu6" } | { kind: "leakyrelu"; alpha: number };

/** A convolution's weights, prepared once: the tfjs filter and bias, with a BatchNormalization folded in. */
interface PreparedConv {
  /** `[kh, kw, in, out]`; depthwise: `[kh, kw, in, multiplier]`. One per group for a grouped convolution. */
  filters: tf.Tensor4D[];
  bias: tf.Tensor1D | undefined;
  depthwise: boolean;
}

/** Why a node cannot run; the session names the model and the node. */
class NodeError extends Error {}

/** A graph compiled for tfjs: constants as tensors, convolutions prepared, Conv + BatchNormalization + Relu fused. */
class TfjsOnnxSession implements OnnxSession {
  private readonly constants = new Map<string, tf.Tensor>();
  private readonly convs = new Map<OnnxNode, PreparedConv>();
  /** Activation fused into a Conv node: the node whose output it now writes. */
  private readonly activations = new Map<OnnxNode, Activation>();
  private readonly nodes: OnnxNode[];
  /** Index of the last node that reads each value (to free it as soon as possible). */
  private readonly lastUse = new Map<string, number>();
  private released = false;

  constructor(private readonly model: OnnxModelGraph) {
    const unknown = [...new Set(model.nodes.filter((n) => (n.domain !== "" && n.domain !== "ai.onnx") || !SUPPORTED.has(n.opType)).map((n) => (n.domain === "" ? n.opType : `${n.domain}.${n.opType}`)))];
    if (unknown.length > 0) {
      throw new OnnxModelError("unsupported-op", model.name, `operator${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} not supported by the tfjs engine (it runs ${TFJS_ONNX_OPS.join(", ")})`);
    }
    try {
      for (const c of model.initializers) this.constants.set(c.name, constantTensor(c));
      for (const n of model.nodes) {
        if (n.opType !== "Constant") continue;
        const value = attr(n, "value");
        if (value?.type !== "tensor") throw new OnnxModelError("unsupported", model.name, `node ${n.name}: Constant without a tensor 'value'`);
        this.constants.set(n.outputs[0]!, constantTensor(value.value));
      }
      this.nodes = this.fuse(model.nodes.filter((n) => n.opType !== "Constant"));
      this.nodes.forEach((n, i) => {
        for (const input of n.inputs) this.lastUse.set(input, i);
      });
      for (const o of model.outputs) this.lastUse.set(o.name, Infinity);
    } catch (e) {
      this.disposeAll();
      throw e;
    }
  }

  /** Consumers of each value. */
  private consumers(nodes: readonly OnnxNode[]): Map<string, OnnxNode[]> {
    const map = new Map<string, OnnxNode[]>();
    for (const n of nodes) for (const i of n.inputs) map.set(i, [...(map.get(i) ?? []), n]);
    return map;
  }

  /**
   * Prepares every Conv with constant weights, folds a BatchNormalization (constant statistics) that alone reads a
   * Conv into its filter and bias, and fuses a Relu, LeakyRelu or Clip(0, 6) that alone reads a Conv into the tfjs
   * kernel.
   */
  private fuse(nodes: OnnxNode[]): OnnxNode[] {
    const outputs = new Set(this.model.outputs.map((o) => o.name));
    const removed = new Set<OnnxNode>();
    const consumers = this.consumers(nodes);
    const soleReader = (value: string): OnnxNode | undefined => {
      const c = consumers.get(value);
      return c?.length === 1 && !outputs.has(value) ? c[0] : undefined;
    };
    for (const conv of nodes) {
      if (conv.opType !== "Conv" || !this.constants.has(conv.inputs[1]!) || (conv.inputs[2] !== undefined && conv.inputs[2] !== "" && !this.constants.has(conv.inputs[2]))) continue;
      let bn = soleReader(conv.outputs[0]!);
      if (bn?.opType !== "BatchNormalization" || !bn.inputs.slice(1, 5).every((i) => this.constants.has(i)) || bn.outputs.length > 1) bn = undefined;
      this.convs.set(conv, this.prepareConv(conv, this.constants.get(conv.inputs[1]!)!, conv.inputs[2] ? this.constants.get(conv.inputs[2]) : undefined, bn));
      let last = conv.outputs[0]!;
      if (bn !== undefined) {
        removed.add(bn);
        last = bn.outputs[0]!;
      }
      const act = soleReader(last);
      let activation: Activation | undefined;
      if (act?.opType === "Relu") activation = { kind: "relu" };
      else if (act?.opType === "LeakyRelu") activation = { kind: "leakyrelu", alpha: floatAttr(act, "alpha", 0.01) };
      else if (act?.opType === "Clip" && this.clipBounds(act).join() === "0,6") activation = { kind: "relu6" };
      if (act !== undefined && activation !== undefined) {
        removed.add(act);
        this.activations.set(conv, activation);
        last = act.outputs[0]!;
      }
      conv.outputs = [last];
    }
    return nodes.filter((n) => !removed.has(n));
  }

  /** The bounds of a Clip node (attributes before opset 11, constant inputs after); `undefined` when not constant. */
  private clipBounds(node: OnnxNode): [number, number] | [undefined] {
    if (this.model.opset < 11) return [floatAttr(node, "min", -Infinity), floatAttr(node, "max", Infinity)];
    const bound = (name: string | undefined, fallback: number): number | undefined => {
      if (name === undefined || name === "") return fallback;
      const t = this.constants.get(name);
      return t === undefined ? undefined : (t.dataSync()[0] as number);
    };
    const lo = bound(node.inputs[1], -Infinity);
    const hi = bound(node.inputs[2], Infinity);
    return lo === undefined || hi === undefined ? [undefined] : [lo, hi];
  }

  private prepareConv(node: OnnxNode, w: tf.Tensor, b: tf.Tensor | undefined, bn: OnnxNode | undefined): PreparedConv {
    return tf.tidy(() => {
      if (w.rank !== 4) throw new NodeError(`Conv ${node.name}: only 2-D convolutions are supported (weights of shape [${w.shape.join(", ")}])`);
      const [cout, cinPerGroup] = w.shape as [number, number, number, number];
      const group = intAttr(node, "group", 1);
      let weights = w;
      let bias = b;
      if (bn !== undefined) {
        const [scale, shift, mean, variance] = bn.inputs.slice(1, 5).map((i) => this.constants.get(i)!) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const k = tf.div(scale, tf.sqrt(tf.add(variance, floatAttr(bn, "epsilon", 1e-5))));
        weights = tf.mul(w, tf.reshape(k, [cout, 1, 1, 1]));
        bias = tf.add(tf.mul(tf.sub(b ?? tf.zeros([cout]), mean), k), shift);
      }
      const depthwise = group > 1 && cinPerGroup === 1;
      let filters: tf.Tensor4D[];
      if (group === 1) filters = [tf.transpose(weights, [2, 3, 1, 0]) as tf.Tensor4D];
      else if (depthwise) filters = [tf.transpose(tf.reshape(weights, [group, cout / group, w.shape[2]!, w.shape[3]!]), [2, 3, 0, 1]) as tf.Tensor4D];
      else filters = tf.split(weights, group, 0).map((part) => tf.transpose(part, [2, 3, 1, 0]) as tf.Tensor4D);
      const prepared = { filters: filters.map((f) => tf.keep(f)), bias: bias === undefined ? undefined : tf.keep(tf.reshape(bias, [cout]) as tf.Tensor1D), depthwise };
      return prepared;
    });
  }

  private disposeAll(): void {
    tf.dispose([...this.constants.values()]);
    for (const c of this.convs.values()) tf.dispose([...c.filters, ...(c.bias === undefined ? [] : [c.bias])]);
    this.constants.clear();
    this.convs.clear();
  }

  async run(feeds: Record<string, OnnxTensor>, fetches?: readonly string[]): Promise<Record<string, OnnxTensor>> {
    if (this.released) throw new Error(`ONNX model ${this.model.name}: run() after release()`);
    const wanted = fetches ?? this.model.outputs.map((o) => o.name);
    const results = tf.tidy(() => {
      const values = new Map<string, Value>();
      for (const input of this.model.inputs) {
        const feed = feeds[input.name];
        if (feed === undefined) throw new OnnxModelError("bad-input", this.model.name, `input ${input.name} not fed`);
        values.set(input.name, plain(tf.tensor(feed.data as Float32Array, feed.dims.slice(), "float32")));
      }
      const get = (name: string): Value => {
        const v = values.get(name);
        if (v !== undefined) return v;
        const c = this.constants.get(name);
        if (c !== undefined) return plain(c);
        throw new Error(`value ${name} is read before it is computed`);
      };
      this.nodes.forEach((node, index) => {
        let outs: Value[];
        try {
          outs = this.runNode(node, node.inputs.map((i) => (i === "" ? undefined : get(i))));
        } catch (e) {
          if (e instanceof OnnxModelError) throw e;
          throw new OnnxModelError("run-failed", this.model.name, `node ${node.name} (${node.opType}): ${(e as Error).message}`);
        }
        outs.forEach((v, i) => values.set(node.outputs[i]!, v));
        // Free what no later node reads (tidy frees the rest when the run ends).
        for (const input of new Set(node.inputs)) {
          if (this.lastUse.get(input) !== index || wanted.includes(input)) continue;
          const v = values.get(input);
          if (v !== undefined && !outs.some((o) => o.t === v.t)) {
            v.t.dispose();
            values.delete(input);
          }
        }
      });
      return wanted.map((name) => {
        const v = get(name);
        return v.nhwc ? logical(v) : v.t.clone();
      });
    });
    try {
      const data = await Promise.all(results.map((t) => t.data()));
      return Object.fromEntries(wanted.map((name, i) => [name, new TfjsOnnxTensor("float32", data[i] as Float32Array, results[i]!.shape)]));
    } finally {
      tf.dispose(results);
    }
  }

  release(): Promise<void> {
    if (!this.released) {
      this.released = true;
      this.disposeAll();
    }
    return Promise.resolve();
  }

  /** Integer values of a small constant-like input (a shape, axes, indices). */
  private static ints(v: Value | undefined, what: string): number[] {
    if (v === undefined) throw new NodeError(`missing input ${what}`);
    return Array.from(logical(v).dataSync(), Number);
  }

  private runNode(node: OnnxNode, inputs: (Value | undefined)[]): Value[] {
    const x = inputs[0];
    const need = (v: Value | undefined, i: number): Value => {
      if (v === undefined) throw new NodeError(`input ${i} is missing`);
      return v;
    };
    const opset = this.model.opset;
    switch (node.opType) {
      case "Conv":
        return [this.conv(node, need(x, 0), inputs[1], inputs[2])];
      case "Relu":
        return [{ t: tf.relu(need(x, 0).t), nhwc: x!.nhwc }];
      case "LeakyRelu":
        return [{ t: tf.leakyRelu(need(x, 0).t, floatAttr(node, "alpha", 0.01)), nhwc: x!.nhwc }];
      case "Sigmoid":
        return [{ t: tf.sigmoid(need(x, 0).t), nhwc: x!.nhwc }];
      case "Exp":
        return [{ t: tf.exp(need(x, 0).t), nhwc: x!.nhwc }];
      case "Clip": {
        const bounds = this.model.opset < 11 ? this.clipBounds(node) : ([inputs[1] ? TfjsOnnxSession.ints(inputs[1], "min")[0] : -Infinity, inputs[2] ? TfjsOnnxSession.ints(inputs[2], "max")[0] : Infinity] as const);
        const [lo, hi] = bounds as [number, number];
        return [{ t: tf.clipByValue(need(x, 0).t, lo, hi), nhwc: x!.nhwc }];
      }
      case "Add":
      case "Sub":
      case "Mul":
      case "Div":
        return [this.binary(node.opType, need(x, 0), need(inputs[1], 1))];
      case "Sum":
        return [inputs.map((v, i) => need(v, i)).reduce((a, b) => this.binary("Add", a, b))];
      case "BatchNormalization": {
        const [scale, shift, mean, variance] = inputs.slice(1, 5).map((v, i) => need(v, i + 1).t) as tf.Tensor1D[];
        const v = need(x, 0);
        const eps = floatAttr(node, "epsilon", 1e-5);
        if (v.t.rank === 2) return [plain(tf.batchNorm(v.t, mean!, variance!, shift, scale, eps))];
        return [channelsLast(tf.batchNorm(toNhwc(v, "BatchNormalization"), mean!, variance!, shift, scale, eps))];
      }
      case "MaxPool":
      case "AveragePool": {
        if (intAttr(node, "ceil_mode", 0) !== 0) throw new NodeError("ceil_mode 1 is not supported");
        const pads = intsAttr(node, "pads") ?? [0, 0, 0, 0];
        const autoPad = stringAttr(node, "auto_pad", "NOTSET");
        // SAME_UPPER is TensorFlow's 'same' (the odd padding after; padded cells ignored by max, not counted by average).
        const pad = autoPad === "SAME_UPPER" ? "same" : "valid";
        if (pads.some((p) => p !== 0) || (autoPad !== "NOTSET" && autoPad !== "VALID" && autoPad !== "SAME_UPPER")) throw new NodeError("only unpadded or SAME_UPPER pooling is supported");
        if (pad === "same" && node.opType === "AveragePool" && intAttr(node, "count_include_pad", 0) !== 0) throw new NodeError("count_include_pad is not supported");
        const k = intsAttr(node, "kernel_shape") as [number, number];
        const s = (intsAttr(node, "strides") ?? [1, 1]) as [number, number];
        const input = toNhwc(need(x, 0), node.opType);
        return [channelsLast(node.opType === "MaxPool" ? tf.maxPool(input, k, s, pad) : tf.avgPool(input, k, s, pad))];
      }
      case "GlobalAveragePool":
        return [channelsLast(tf.mean(toNhwc(need(x, 0), "GlobalAveragePool"), [1, 2], true))];
      case "Concat": {
        const values = inputs.map((v, i) => need(v, i));
        const rank = values[0]!.t.rank;
        const axis = normAxis(intAttr(node, "axis", 0), rank);
        if (values.every((v) => v.nhwc)) return [channelsLast(tf.concat(values.map((v) => v.t), NHWC_AXIS[axis]))];
        return [plain(tf.concat(values.map(logical), axis))];
      }
      case "Transpose": {
        const v = need(x, 0);
        const perm = intsAttr(node, "perm") ?? shapeOf(v).map((_, i, a) => a.length - 1 - i);
        if (v.nhwc) {
          // The NHWC tensor's axes for the ONNX perm: identity when the graph asks for channels-last.
          const q = perm.map((p) => NHWC_AXIS[p]!);
          return [plain(q.every((p, i) => p === i) ? v.t.clone() : tf.transpose(v.t, q))];
        }
        if (perm.join() === "0,3,1,2") return [channelsLast(v.t.clone())];
        return [plain(tf.transpose(v.t, perm))];
      }
      case "Reshape": {
        const v = need(x, 0);
        const shape = shapeOf(v);
        const target = TfjsOnnxSession.ints(inputs[1], "shape").map((d, i) => (d === 0 && intAttr(node, "allowzero", 0) === 0 ? shape[i]! : d));
        return [plain(tf.reshape(logical(v), target))];
      }
      case "Flatten": {
        const v = need(x, 0);
        const shape = shapeOf(v);
        const axis = normAxis(intAttr(node, "axis", 1), shape.length + 1);
        const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
        return [plain(tf.reshape(logical(v), [outer, -1]))];
      }
      case "Shape":
        return [plain(tf.tensor1d(shapeOf(need(x, 0)), "int32"))];
      case "Gather": {
        const v = need(x, 0);
        const shape = shapeOf(v);
        const axis = normAxis(intAttr(node, "axis", 0), shape.length);
        const idx = need(inputs[1], 1).t;
        const indices = tf.tensor(Array.from(idx.dataSync(), (i) => (i < 0 ? i + shape[axis]! : i)), idx.shape, "int32");
        return [plain(tf.gather(logical(v), indices, axis))];
      }
      case "Unsqueeze": {
        const v = need(x, 0);
        const axes = opset >= 13 ? TfjsOnnxSession.ints(inputs[1], "axes") : (intsAttr(node, "axes") ?? []);
        const rank = shapeOf(v).length + axes.length;
        let t = logical(v);
        for (const a of axes.map((a) => normAxis(a, rank)).sort((a, b) => a - b)) t = tf.expandDims(t, a);
        return [plain(t === v.t ? t.clone() : t)];
      }
      case "Slice": {
        const v = need(x, 0);
        const shape = shapeOf(v);
        const starts = opset >= 10 ? TfjsOnnxSession.ints(inputs[1], "starts") : (intsAttr(node, "starts") ?? []);
        const ends = opset >= 10 ? TfjsOnnxSession.ints(inputs[2], "ends") : (intsAttr(node, "ends") ?? []);
        const axes = opset >= 10 ? (inputs[3] ? TfjsOnnxSession.ints(inputs[3], "axes") : starts.map((_, i) => i)) : (intsAttr(node, "axes") ?? starts.map((_, i) => i));
        const steps = opset >= 10 && inputs[4] ? TfjsOnnxSession.ints(inputs[4], "steps") : starts.map(() => 1);
        if (steps.some((s) => s !== 1)) throw new NodeError("only steps of 1 are supported");
        const begin = shape.map(() => 0);
        const size = shape.slice();
        axes.forEach((a, i) => {
          const axis = normAxis(a, shape.length);
          const dim = shape[axis]!;
          const clamp = (p: number): number => Math.max(0, Math.min(dim, p < 0 ? p + dim : p));
          const b = clamp(starts[i]!);
          begin[axis] = b;
          size[axis] = Math.max(0, clamp(ends[i]!) - b);
        });
        return [plain(tf.slice(logical(v), begin, size))];
      }
      case "Softmax": {
        const v = logical(need(x, 0));
        const axis = normAxis(intAttr(node, "axis", opset >= 13 ? -1 : 1), v.rank);
        if (opset < 13) {
          // Before opset 13: softmax of the input coerced to 2-D at `axis`.
          const outer = v.shape.slice(0, axis).reduce((a, b) => a * b, 1);
          return [plain(tf.reshape(tf.softmax(tf.reshape(v, [outer, -1])), v.shape))];
        }
        if (axis === v.rank - 1) return [plain(tf.softmax(v))];
        const perm = v.shape.map((_, i) => i);
        perm[axis] = v.rank - 1;
        perm[v.rank - 1] = axis;
        return [plain(tf.transpose(tf.softmax(tf.transpose(v, perm)), perm))];
      }
      case "Gemm": {
        const a = logical(need(x, 0)) as tf.Tensor2D;
        const b = logical(need(inputs[1], 1)) as tf.Tensor2D;
        const alpha = floatAttr(node, "alpha", 1);
        const beta = floatAttr(node, "beta", 1);
        let y: tf.Tensor = tf.matMul(a, b, intAttr(node, "transA", 0) === 1, intAttr(node, "transB", 0) === 1);
        if (alpha !== 1) y = tf.mul(y, alpha);
        if (inputs[2] !== undefined) y = tf.add(y, beta === 1 ? logical(inputs[2]) : tf.mul(logical(inputs[2]), beta));
        return [plain(y)];
      }
      case "Resize":
        return [this.resize(node, need(x, 0), inputs)];
      default:
        throw new NodeError(`operator ${node.opType} is not supported`);
    }
  }

  /** Element-wise binary operator with ONNX (numpy) broadcasting, keeping NHWC values channels-last. */
  private binary(op: "Add" | "Sub" | "Mul" | "Div", a: Value, b: Value): Value {
    const f = op === "Add" ? tf.add : op === "Sub" ? tf.sub : op === "Mul" ? tf.mul : tf.div;
    if (a.nhwc === b.nhwc) return { t: f(a.t, b.t), nhwc: a.nhwc };
    const [image, other] = a.nhwc ? [a, b] : [b, a];
    let o = other.t;
    if (o.rank <= 4) {
      // Broadcast the other operand as ONNX does (leading ones), then to channels-last.
      if (o.rank < 4) o = tf.reshape(o, [...Array<number>(4 - o.rank).fill(1), ...o.shape]);
      o = tf.transpose(o, [0, 2, 3, 1]);
      return channelsLast(a.nhwc ? f(image.t, o) : f(o, image.t));
    }
    return plain(a.nhwc ? f(logical(a), b.t) : f(a.t, logical(b)));
  }

  private conv(node: OnnxNode, x: Value, w: Value | undefined, b: Value | undefined): Value {
    const prepared = this.convs.get(node) ?? this.prepareConv(node, w!.t, b?.t, undefined);
    const kernel = intsAttr(node, "kernel_shape") ?? [prepared.filters[0]!.shape[0], prepared.filters[0]!.shape[1]];
    const strides = (intsAttr(node, "strides") ?? [1, 1]) as [number, number];
    const dilations = (intsAttr(node, "dilations") ?? [1, 1]) as [number, number];
    const autoPad = stringAttr(node, "auto_pad", "NOTSET");
    let input = toNhwc(x, "Conv");
    let pad: "same" | "valid" | number;
    if (autoPad === "SAME_UPPER") pad = "same";
    else if (autoPad === "VALID") pad = "valid";
    else if (autoPad === "NOTSET") {
      const [top, left, bottom, right] = (intsAttr(node, "pads") ?? [0, 0, 0, 0]) as [number, number, number, number];
      if (top === left && top === bottom && top === right) pad = top === 0 ? "valid" : top;
      else {
        // Unequal pads: zero-pad first (tfjs's depthwise convolution takes one pad for all sides).
        input = tf.pad(input, [[0, 0], [top, bottom], [left, right], [0, 0]]);
        pad = "valid";
      }
    } else throw new NodeError(`auto_pad ${autoPad} is not supported`);
    if (kernel.length !== 2) throw new NodeError("only 2-D convolutions are supported");
    const act = this.activations.get(node);
    const fused = { bias: prepared.bias, activation: act?.kind ?? "linear", leakyreluAlpha: act?.kind === "leakyrelu" ? act.alpha : undefined } as const;
    let y: tf.Tensor4D;
    if (prepared.depthwise) {
      y = tf.fused.depthwiseConv2d({ x: input, filter: prepared.filters[0]!, strides, pad, dilations, ...fused });
    } else if (prepared.filters.length === 1) {
      y = tf.fused.conv2d({ x: input, filter: prepared.filters[0]!, strides, pad, dilations, ...fused });
    } else {
      // A grouped convolution: one convolution per group of input channels, concatenated.
      const parts = tf.split(input, prepared.filters.length, 3);
      const outs = parts.map((part, i) => tf.conv2d(part as tf.Tensor4D, prepared.filters[i]!, strides, pad, "NHWC", dilations));
      y = tf.concat(outs, 3);
      if (prepared.bias !== undefined) y = tf.add(y, prepared.bias);
      if (act?.kind === "relu") y = tf.relu(y);
      else if (act?.kind === "relu6") y = tf.relu6(y);
      else if (act?.kind === "leakyrelu") y = tf.leakyRelu(y, act.alpha);
    }
    if (!this.convs.has(node)) tf.dispose([...prepared.filters, ...(prepared.bias === undefined ? [] : [prepared.bias])]);
    return channelsLast(y);
  }

  private resize(node: OnnxNode, x: Value, inputs: (Value | undefined)[]): Value {
    const mode = stringAttr(node, "mode", "nearest");
    const transform = stringAttr(node, "coordinate_transformation_mode", this.model.opset >= 11 ? "half_pixel" : "asymmetric");
    const nearest = stringAttr(node, "nearest_mode", "round_prefer_floor");
    if (mode !== "nearest" || transform !== "asymmetric" || (this.model.opset >= 11 && nearest !== "floor")) {
      throw new NodeError(`only mode nearest with asymmetric coordinates and nearest_mode floor is supported (got ${mode}, ${transform}, ${nearest})`);
    }
    const shape = shapeOf(x);
    if (shape.length !== 4) throw new NodeError("only 4-D inputs are supported");
    const scalesInput = this.model.opset >= 11 ? inputs[2] : inputs[1];
    const sizesInput = this.model.opset >= 11 ? inputs[3] : undefined;
    let size: number[];
    if (sizesInput !== undefined && sizesInput.t.size > 0) size = TfjsOnnxSession.ints(sizesInput, "sizes");
    else {
      const scales = Array.from(logical(scalesInput ?? plain(tf.tensor1d([]))).dataSync());
      size = shape.map((d, i) => Math.floor(d * scales[i]!));
    }
    if (size[0] !== shape[0] || size[1] !== shape[1]) throw new NodeError("only spatial resizing is supported");
    return channelsLast(tf.image.resizeNearestNeighbor(toNhwc(x, "Resize"), [size[2]!, size[3]!], false, false) as tf.Tensor4D);
  }
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** An input or output tensor of the tfjs engine (float32 data, as onnxruntime's `Tensor`). */
class TfjsOnnxTensor implements OnnxTensor {
  constructor(
    readonly type: "float32",
    readonly data: Float32Array,
    readonly dims: readonly number[],
  ) {}
}

/**
 * onnxruntime's API (the part fer uses: `InferenceSession.create`, `session.run`, `session.release`, `Tensor`) on
 * TensorFlow.js: `createCpuSession(tfjsOnnxRuntime(), bytes)` runs an ONNX graph with tfjs-core operators on the
 * active tfjs backend (`ensureBackend`: the one already set, else `initBackend`'s choice). Session options (threads, optimisation level) are
 * ignored: the backend decides. Each run frees every tensor it made; `release()` frees the weights.
 * `create` rejects with an {@link OnnxModelError}: `unsupported-op` naming the operators it cannot run (see
 * {@link TFJS_ONNX_OPS}) and the model, `bad-model` / `unsupported` for bytes it cannot decode; `run` rejects with
 * `bad-input` for a missing feed and `run-failed` naming the node that failed.
 */
export function tfjsOnnxRuntime(): OnnxRuntime {
  return {
    InferenceSession: {
      async create(model: Uint8Array): Promise<OnnxSession> {
        await ensureBackend();
        return new TfjsOnnxSession(readOnnxModel(model));
      },
    },
    Tensor: TfjsOnnxTensor,
  };
}
