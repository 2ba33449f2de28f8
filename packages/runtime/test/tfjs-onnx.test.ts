import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { createCpuSession, initBackend, liveOnnxSessions, loadOnnxRuntime, OnnxGraphBuilder, OnnxModelError, readOnnxModel, type OnnxRuntime } from "../src/index.js";
import { ProtoWriter } from "../src/onnx/protobuf-writer.js";
import { TFJS_ONNX_OPS, tfjsOnnxRuntime } from "../src/tfjs.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** The real ONNX files fer ships (in @fer/face-detect). */
const YUNET = path.resolve(here, "../../face-detect/models/yunet/yunet_n_dynamic.onnx");
const ULTRAFACE = path.resolve(here, "../../face-detect/models/ultraface/version-RFB-320.onnx");

let ort: OnnxRuntime;
const tfort = tfjsOnnxRuntime();

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  const loaded = await loadOnnxRuntime();
  if (loaded === undefined) throw new Error("onnxruntime-node (a devDependency of @fer/runtime) must load in these tests");
  ort = loaded;
});

/** Deterministic values in [lo, hi). */
function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * a) / 4294967296;
  }
  return out;
}

/** Runs `bytes` on onnxruntime and on the tfjs engine; per output: shapes and the largest difference. */
async function compare(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>) {
  const a = await createCpuSession(ort, bytes, 1);
  const b = await createCpuSession(tfort, bytes);
  try {
    const ra = await a.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor("float32", v.data, v.dims)])));
    const rb = await b.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new tfort.Tensor("float32", v.data, v.dims)])));
    return Object.keys(ra).map((name) => {
      const x = ra[name]!.data as Float32Array;
      const y = rb[name]!.data as Float32Array;
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < x.length; i++) {
        diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
        scale = Math.max(scale, Math.abs(x[i]!));
      }
      if (x.length !== y.length) diff = Infinity;
      return { name, ortDims: ra[name]!.dims, tfjsDims: rb[name]!.dims, diff, scale };
    });
  } finally {
    await a.release();
    await b.release();
  }
}

function expectClose(rows: Awaited<ReturnType<typeof compare>>, what: string): void {
  for (const r of rows) {
    console.log(`${what} ${r.name}: max |onnxruntime - tfjs| = ${r.diff.toExponential(2)} (max |value| ${r.scale.toExponential(2)})`);
    expect(r.tfjsDims, `${what} ${r.name}`).toEqual(r.ortDims);
    expect(r.diff, `${what} ${r.name}`).toBeLessThanOrEqual(1e-4 * Math.max(1, r.scale));
  }
}

/**
 * A graph with every operator the engine runs (opset 13), in the settings fer's graphs use and some they do not
 * (grouped and dilated convolutions, unequal pads, a softmax on the channel axis), each feeding a graph output.
 */
function everyOpGraph(): { bytes: Uint8Array; ops: Set<string> } {
  const g = new OnnxGraphBuilder("every-op");
  const ops = new Set<string>();
  const node = (op: string, inputs: string[], attributes: Parameters<OnnxGraphBuilder["addNode"]>[3] = {}): string => {
    ops.add(op);
    return g.addNode(op, inputs, [g.uniqueName(`${op.toLowerCase()}_`)], attributes);
  };
  const f = (dims: number[], seed: number, lo = -1, hi = 1): string => g.addFloatInitializer(g.uniqueName("w"), dims, values(dims.reduce((a, b) => a * b, 1), seed, lo, hi));
  const out = (name: string, rank = 4): void => g.addOutput(name, Array.from({ length: rank }, (_, i) => `${name}_d${i}`));
  const x = g.addInput("x", [1, 12, 12, 4]); // NHWC, as fer's graphs take images
  const nchw = node("Transpose", [x], { perm: { ints: [0, 3, 1, 2] } });
  // Conv: plain with SAME_UPPER and stride 2, fused with Relu; with explicit unequal pads; depthwise x2 with Clip(0, 6);
  // grouped (2 groups); dilated; Conv followed by BatchNormalization (folded) and LeakyRelu (fused).
  const c1 = node("Relu", [node("Conv", [nchw, f([8, 4, 3, 3], 1), f([8], 2)], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, auto_pad: { string: "SAME_UPPER" } })]);
  out(c1);
  out(node("Conv", [nchw, f([6, 4, 3, 2], 3)], { kernel_shape: { ints: [3, 2] }, pads: { ints: [0, 1, 2, 1] } }));
  const zero = g.addFloatInitializer("zero", [], new Float32Array([0]));
  const six = g.addFloatInitializer("six", [], new Float32Array([6]));
  out(node("Clip", [node("Conv", [nchw, f([8, 1, 3, 3], 4, -3, 3), f([8], 5)], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] }, group: { int: 4 } }), zero, six]));
  out(node("Conv", [nchw, f([6, 2, 1, 1], 6), f([6], 7)], { kernel_shape: { ints: [1, 1] }, group: { int: 2 } }));
  out(node("Conv", [nchw, f([4, 4, 3, 3], 8)], { kernel_shape: { ints: [3, 3] }, dilations: { ints: [2, 2] }, pads: { ints: [2, 2, 2, 2] } }));
  const bn = [f([5], 9, 0.5, 1.5), f([5], 10), f([5], 11), f([5], 12, 0.5, 2)];
  out(node("LeakyRelu", [node("BatchNormalization", [node("Conv", [nchw, f([5, 4, 1, 1], 13)], { kernel_shape: { ints: [1, 1] } }), ...bn], { epsilon: { float: 1e-3 } })], { alpha: { float: 0.1 } }));
  // A BatchNormalization that is not after a Conv; element-wise operators with broadcasting; Sum of three.
  out(node("BatchNormalization", [nchw, f([4], 14, 0.5, 1.5), f([4], 15), f([4], 16), f([4], 17, 0.5, 2)], { epsilon: { float: 1e-5 } }));
  const scaled = node("Mul", [nchw, f([4, 1, 1], 18)]);
  out(node("Sum", [scaled, nchw, node("Sub", [nchw, f([1], 19)])]));
  out(node("Div", [node("Exp", [node("Sigmoid", [nchw])]), node("Add", [node("Relu", [nchw]), f([1], 20, 1, 2)])]));
  // Pools; Resize (nearest, asymmetric, floor); Concat of channels-last values along the channel axis.
  out(node("MaxPool", [c1], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } }));
  out(node("MaxPool", [nchw], { kernel_shape: { ints: [2, 2] }, strides: { ints: [1, 1] }, auto_pad: { string: "SAME_UPPER" } }));
  out(node("AveragePool", [nchw], { kernel_shape: { ints: [3, 3] }, strides: { ints: [3, 3] } }));
  const scales = g.addFloatInitializer("scales", [4], new Float32Array([1, 1, 2, 2]));
  const up = node("Resize", [c1, "", scales], { mode: { string: "nearest" }, coordinate_transformation_mode: { string: "asymmetric" }, nearest_mode: { string: "floor" } });
  out(node("Concat", [up, nchw, nchw], { axis: { int: 1 } }));
  // Softmax on the channel axis (not the last one); shape arithmetic as exporters write it (Shape, Gather,
  // Unsqueeze, Concat of int64s, Reshape); Slice; Flatten, Gemm, GlobalAveragePool.
  out(node("Softmax", [nchw], { axis: { int: 1 } }));
  const shape = node("Shape", [c1]);
  const batch = node("Gather", [shape, g.addInt64Initializer("i0", [0])], { axis: { int: 0 } });
  out(node("Unsqueeze", [c1, g.addInt64Initializer("ax", [0, -1])]), 6);
  const nhwc = node("Transpose", [c1], { perm: { ints: [0, 2, 3, 1] } });
  const target = node("Concat", [batch, g.addInt64Initializer("rest", [-1, 8])], { axis: { int: 0 } });
  const flat3 = node("Reshape", [nhwc, target]);
  out(flat3, 3);
  out(node("Slice", [flat3, g.addInt64Initializer("st", [1, 2]), g.addInt64Initializer("en", [Number.MAX_SAFE_INTEGER, -1]), g.addInt64Initializer("sl", [1, 2])]), 3);
  const pooled = node("Flatten", [node("GlobalAveragePool", [c1])], { axis: { int: 1 } });
  out(node("Softmax", [node("Gemm", [pooled, f([8, 3], 21), f([3], 22)])], { axis: { int: -1 } }), 2);
  out(node("Gemm", [node("Flatten", [c1], { axis: { int: 1 } }), f([7, 288], 23), f([7], 24)], { transB: { int: 1 }, alpha: { float: 0.5 }, beta: { float: 2 } }), 2);
  return { bytes: g.encode(), ops };
}

describe("ONNX on tfjs against onnxruntime", () => {
  test("every operator, as onnxruntime computes it", async () => {
    const { bytes, ops } = everyOpGraph();
    // The graph covers every operator the engine runs but Constant (in UltraFace, below).
    expect([...ops].sort()).toEqual(TFJS_ONNX_OPS.filter((op) => op !== "Constant"));
    const rows = await compare(bytes, { x: { data: values(12 * 12 * 4, 99, 0, 2), dims: [1, 12, 12, 4] } });
    expect(rows.length).toBe(readOnnxModel(bytes).outputs.length);
    expectClose(rows, "every-op");
  });

  test("YuNet (opset 11, dynamic input) and UltraFace (opset 9) give onnxruntime's outputs", async () => {
    expectClose(await compare(readFileSync(YUNET), { input: { data: values(3 * 96 * 128, 1, 0, 255), dims: [1, 3, 96, 128] } }), "yunet 128x96");
    expectClose(await compare(readFileSync(ULTRAFACE), { input: { data: values(3 * 240 * 320, 2, -1, 1), dims: [1, 3, 240, 320] } }), "ultraface");
  });
});

describe("the ONNX reader", () => {
  test("reads a model's graph: opset, inputs without initializers, outputs, attributes and initializers", () => {
    const m = readOnnxModel(readFileSync(YUNET));
    expect(m.opset).toBe(11);
    expect(m.inputs).toEqual([{ name: "input", type: "float32", shape: ["batch", 3, "height", "width"] }]);
    expect(m.outputs.map((o) => o.name)).toContain("kps_32");
    const conv = m.nodes.find((n) => n.opType === "Conv")!;
    expect(conv.attributes.kernel_shape).toEqual({ type: "ints", value: [3, 3] });
    const w = m.initializers.find((t) => t.name === conv.inputs[1])!;
    expect(w.type).toBe("float32");
    expect(w.data.length).toBe(w.dims.reduce((a, b) => a * b, 1));
  });

  test("float_data and int64_data tensors (not only raw_data) are read", async () => {
    // A model written by hand: y = Reshape(x + c, shape), c as float_data, shape as (unpacked) int64_data.
    const tensor = (name: string, dims: number[], type: number, fill: (w: ProtoWriter) => void): ProtoWriter => {
      const t = new ProtoWriter().packedInts(1, dims).int(2, type).string(8, name);
      fill(t);
      return t;
    };
    const c = tensor("c", [2, 2], 1, (w) => [0.5, -1.5, 2.25, 3].forEach((v) => w.float(4, v)));
    const shape = tensor("s", [2], 7, (w) => [1, -1].forEach((v) => w.int(7, v)));
    const add = new ProtoWriter().string(1, "x").string(1, "c").string(2, "sum").string(4, "Add");
    const reshape = new ProtoWriter().string(1, "sum").string(1, "s").string(2, "y").string(4, "Reshape");
    const info = (name: string): ProtoWriter => new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, new ProtoWriter().int(1, 1)));
    const graph = new ProtoWriter().message(1, add).message(1, reshape).string(2, "hand").message(5, c).message(5, shape).message(11, info("x")).message(12, info("y"));
    const bytes = new ProtoWriter().int(1, 7).message(7, graph).message(8, new ProtoWriter().int(2, 13)).finish();
    const m = readOnnxModel(bytes);
    expect(Array.from(m.initializers[0]!.data)).toEqual([0.5, -1.5, 2.25, 3]);
    expect(m.initializers[1]!.data).toEqual([1, -1]);
    const s = await createCpuSession(tfort, bytes);
    const y = (await s.run({ x: new tfort.Tensor("float32", new Float32Array([1, 2, 3, 4]), [2, 2]) })).y!;
    expect(y.dims).toEqual([1, 4]);
    expect(Array.from(y.data as Float32Array)).toEqual([1.5, 0.5, 5.25, 7]);
    await s.release();
  });

  test("an operator the engine cannot run is an unsupported-op error naming it and the model; bad bytes are bad-model", async () => {
    const g = new OnnxGraphBuilder("with-erf");
    g.addNode("Erf", [g.addInput("x", [1])], ["y"]);
    g.addOutput("y", [1]);
    const err = await createCpuSession(tfort, g.encode()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnnxModelError);
    expect(err).toMatchObject({ kind: "unsupported-op", model: "with-erf" });
    expect((err as Error).message).toMatch(/with-erf.*Erf/);
    await expect(createCpuSession(tfort, new Uint8Array([0x3a, 0x05, 1, 2]))).rejects.toMatchObject({ kind: "bad-model" });
    await expect(createCpuSession(tfort, new TextEncoder().encode("not a model"))).rejects.toBeInstanceOf(OnnxModelError);
  });
});

describe("the tfjs engine's memory", () => {
  test("500 runs of YuNet and of the every-op graph leave no tensor behind; release frees the weights", async () => {
    const before = tf.memory().numTensors;
    const sessions = liveOnnxSessions();
    const yunet = await createCpuSession(tfort, readFileSync(YUNET));
    const every = await createCpuSession(tfort, everyOpGraph().bytes);
    expect(liveOnnxSessions()).toBe(sessions + 2);
    const weights = tf.memory().numTensors;
    expect(weights).toBeGreaterThan(before);
    const x = new tfort.Tensor("float32", values(3 * 64 * 64, 3, 0, 255), [1, 3, 64, 64]);
    const e = new tfort.Tensor("float32", values(12 * 12 * 4, 4), [1, 12, 12, 4]);
    for (let i = 0; i < 500; i++) {
      await yunet.run({ input: x });
      await every.run({ x: e });
      expect(tf.memory().numTensors).toBe(weights);
    }
    await yunet.release();
    await every.release();
    expect(liveOnnxSessions()).toBe(sessions);
    expect(tf.memory().numTensors).toBe(before);
    await expect(yunet.run({ input: x })).rejects.toThrow(/release/);
  });
});
