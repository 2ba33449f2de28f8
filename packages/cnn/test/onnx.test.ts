import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { loadFolderDataset, type FaceDataset } from "@fer/preprocess/node";
import { ARCHITECTURES, buildModel, LOGITS_LAYER } from "../src/architectures.js";
import { EngineError, initBackend, OnnxGraphBuilder, resolveEngine, type OnnxRuntime } from "@fer/runtime";
import { loadCnn } from "../src/cnn-model.js";
import { defaultCnnDir } from "../src/default-model.js";
import { layersModelToOnnx } from "../src/onnx/index.js";
import { requireOnnxRuntime } from "./onnxruntime.js";
import { randomArray } from "./random.js";
import { fer2013 } from "./shared-data.js";

let ort: OnnxRuntime;
let work: string;
let faces: FaceDataset;
const PER_CLASS = 30;

beforeAll(async () => {
  await initBackend();
  ort = await requireOnnxRuntime();
  // The first PER_CLASS images of each class of the shared FER2013 test folder.
  work = await mkdtemp(join(tmpdir(), "fer-cnn-onnx-"));
  for (const cls of await readdir(fer2013("test"))) {
    const files = (await readdir(join(fer2013("test"), cls))).sort().slice(0, PER_CLASS);
    await mkdir(join(work, cls), { recursive: true });
    await Promise.all(files.map((f) => copyFile(join(fer2013("test"), cls, f), join(work, cls, f))));
  }
  faces = (await loadFolderDataset(work, { cache: false })).dataset;
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});


function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("ONNX model writer", () => {
  // A graph with each construct the SSD uses, checked against tfjs on random data: NHWC -> NCHW transpose, a 3x3
  // stride-2 convolution and a depthwise one with TensorFlow's 'same' padding (odd and even sides), ReLU6 as Clip,
  // a 1x1 convolution, NCHW -> NHWC, reshape with an int64 shape and a concat.
  for (const [height, width] of [[9, 12], [16, 7]] as const) {
    test(`convolutions, clip, reshape and concat match tfjs (input ${height}x${width})`, async () => {
      const [cIn, cMid] = [3, 5];
      const w0 = tf.tensor4d(randomArray(3 * 3 * cIn * cMid, 1), [3, 3, cIn, cMid]);
      const b0 = tf.tensor1d(randomArray(cMid, 2));
      const wd = tf.tensor4d(randomArray(3 * 3 * cMid, 3), [3, 3, cMid, 1]);
      const w1 = tf.tensor4d(randomArray(cMid * 2, 4), [1, 1, cMid, 2]);
      const input = randomArray(height * width * cIn, 5).map((v) => v * 4);

      const g = new OnnxGraphBuilder("test");
      const x = g.addNode("Transpose", [g.addInput("x", [1, "h", "w", cIn])], ["nchw"], { perm: { ints: [0, 3, 1, 2] } });
      const same = { auto_pad: { string: "SAME_UPPER" } };
      const c0 = g.addNode(
        "Conv",
        [x, g.addFloatInitializer("w0", [cMid, cIn, 3, 3], tf.transpose(w0, [3, 2, 0, 1]).dataSync() as Float32Array), g.addFloatInitializer("b0", [cMid], b0.dataSync() as Float32Array)],
        ["c0"],
        { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, ...same },
      );
      const r0 = g.addNode("Clip", [c0, g.addFloatInitializer("zero", [], new Float32Array([0])), g.addFloatInitializer("six", [], new Float32Array([6]))], ["r0"]);
      const d = g.addNode("Conv", [r0, g.addFloatInitializer("wd", [cMid, 1, 3, 3], tf.transpose(wd, [2, 3, 0, 1]).dataSync() as Float32Array)], ["d"], {
        kernel_shape: { ints: [3, 3] },
        strides: { ints: [1, 1] },
        group: { int: cMid },
        ...same,
      });
      const c1 = g.addNode("Conv", [d, g.addFloatInitializer("w1", [2, cMid, 1, 1], tf.transpose(w1, [3, 2, 0, 1]).dataSync() as Float32Array)], ["c1"], {
        kernel_shape: { ints: [1, 1] },
      });
      const nhwc = g.addNode("Transpose", [c1], ["nhwc"], { perm: { ints: [0, 2, 3, 1] } });
      const flat = g.addNode("Reshape", [nhwc, g.addInt64Initializer("shape", [-1, 2])], ["flat"]);
      g.addNode("Concat", [flat, flat], ["out"], { axis: { int: 0 } });
      g.addOutput("out", ["n", 2]);

      const session = await ort.InferenceSession.create(g.encode());
      const got = (await session.run({ x: new ort.Tensor("float32", input, [1, height, width, cIn]) })).out!;
      await session.release();

      const want = tf.tidy(() => {
        const t = tf.tensor4d(input, [1, height, width, cIn]);
        let y = tf.relu6(tf.add(tf.conv2d(t, w0, 2, "same"), b0));
        y = tf.depthwiseConv2d(y as tf.Tensor4D, wd, 1, "same");
        const flatOut = tf.reshape(tf.conv2d(y as tf.Tensor4D, w1, 1, "same"), [-1, 2]);
        return tf.concat([flatOut, flatOut], 0);
      });
      expect(got.dims).toEqual(want.shape);
      const diff = maxAbsDiff(got.data as Float32Array, want.dataSync());
      console.log(`ONNX writer vs tfjs, ${height}x${width}: max abs difference ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-4);
      tf.dispose([w0, b0, wd, w1, want]);
    });
  }
});

describe("tfjs layers model to ONNX", () => {
  test("every architecture A-G gives tfjs's scores and Dense features", async () => {
    const x = randomArray(3 * 48 * 48, 9).map((v) => (v + 1) / 2);
    for (const arch of ARCHITECTURES) {
      const model = buildModel(arch, { seed: 3 });
      const { bytes, names } = layersModelToOnnx(model);
      expect(Object.keys(names.dense)).toEqual(["dense1", "dense2", LOGITS_LAYER]);
      const session = await ort.InferenceSession.create(bytes);
      const outputs = await session.run({ [names.input]: new ort.Tensor("float32", x, [3, 48, 48, 1]) });
      await session.release();
      const want = tf.tidy(() => {
        const input = tf.tensor4d(x, [3, 48, 48, 1]);
        const layers = ["dense1", "dense2"].map((l) => model.getLayer(l).output as tfl.SymbolicTensor);
        const probe = tfl.model({ inputs: model.inputs, outputs: [...layers, model.outputs[0]!] });
        return (probe.predict(input) as tf.Tensor[]).map((t) => t.dataSync());
      });
      const got = [outputs[names.dense.dense1!]!, outputs[names.dense.dense2!]!, outputs[names.scores]!].map((t) => t.data as Float32Array);
      const scale = Math.max(...want.map((w) => Math.max(...w.map(Math.abs))));
      const diff = Math.max(...got.map((g, i) => maxAbsDiff(g, want[i]!)));
      console.log(`architecture ${arch}: ONNX vs tfjs max abs difference ${diff.toExponential(2)} (largest output ${scale.toFixed(3)})`);
      expect(scale).toBeGreaterThan(0);
      expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
      model.dispose();
    }
  });

  test("layers it cannot write are refused by name", () => {
    const input = tfl.input({ shape: [8, 8, 1] });
    const up = tfl.layers.upSampling2d({ name: "up" }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.flatten().apply(up) as tfl.SymbolicTensor });
    expect(() => layersModelToOnnx(model)).toThrow(/layer up: UpSampling2D layers are not supported/);
    model.dispose();
    const tanh = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 2, activation: "tanh", name: "d" })] });
    expect(() => layersModelToOnnx(tanh)).toThrow(/one \[batch, h, w, c\] input|activation tanh/);
    tanh.dispose();
  });
});

describe("loadCnn on onnxruntime", () => {
  const saved = process.env.FER_ENGINE;
  afterEach(() => {
    if (saved === undefined) delete process.env.FER_ENGINE;
    else process.env.FER_ENGINE = saved;
  });

  test("the shipped CNN gives the same features and predictions as on tfjs, on real FER2013 test faces", async () => {
    const onnx = await loadCnn(defaultCnnDir(), { engine: "onnxruntime" });
    const tfjs = await loadCnn(defaultCnnDir(), { engine: "tfjs" });
    expect([onnx.engine, tfjs.engine]).toEqual(["onnxruntime", "tfjs"]);
    const n = faces.count;
    expect(n).toBe(7 * PER_CLASS);
    for (const layer of ["dense1", "dense2"] as const) {
      const [a, b] = [await onnx.features(faces.pixels, n, layer), await tfjs.features(faces.pixels, n, layer)];
      expect(a).toHaveLength(n * 64);
      const diff = maxAbsDiff(a, b);
      console.log(`shipped CNN ${layer}, ${n} faces: onnxruntime vs tfjs max abs difference ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-3);
    }
    const [pa, pb] = [await onnx.predict(faces.pixels, n), await tfjs.predict(faces.pixels, n)];
    expect(pa).toEqual(pb);
    // Real faces: the predictions are right far more often than chance (1 in 7).
    expect(pa.filter((c, i) => c === faces.labels[i]).length / n).toBeGreaterThan(0.4);
    await expect(onnx.scores(faces.pixels, n + 1)).rejects.toThrow(/expected 211 faces/);
    onnx.dispose();
    onnx.dispose();
    tfjs.dispose();
  });

  test("resident memory stays flat over 400 calls", async () => {
    const cnn = await loadCnn(defaultCnnDir(), { engine: "onnxruntime", threads: 1 });
    const batch = faces.pixels.subarray(0, 4 * 48 * 48);
    for (let i = 0; i < 20; i++) await cnn.features(batch, 4, "dense1");
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 400; i++) await cnn.features(batch, 4, "dense1");
    const grownMb = (process.memoryUsage().rss - rss) / 2 ** 20;
    console.log(`onnxruntime CNN: resident memory grew ${grownMb.toFixed(1)} MB over 400 calls of 4 faces`);
    // The first convolution's output alone is 4 x 48 x 48 x 32 floats (1.2 MB): activations kept per call would add
    // 450+ MB.
    expect(grownMb).toBeLessThan(40);
    cnn.dispose();
  });

  test("the engine is chosen by option, then FER_ENGINE, else onnxruntime when installed", async () => {
    delete process.env.FER_ENGINE;
    expect((await resolveEngine()).engine).toBe("onnxruntime");
    expect((await resolveEngine("tfjs")).engine).toBe("tfjs");
    process.env.FER_ENGINE = "tfjs";
    expect((await resolveEngine()).engine).toBe("tfjs");
    expect((await resolveEngine("onnxruntime")).engine).toBe("onnxruntime");
    process.env.FER_ENGINE = "cuda";
    await expect(resolveEngine()).rejects.toBeInstanceOf(EngineError);
    await expect(loadCnn(defaultCnnDir())).rejects.toThrow(/engine must be auto, onnxruntime or tfjs, got "cuda"/);
    await expect(loadCnn(defaultCnnDir(), { engine: "onnxruntime", threads: 0 })).rejects.toThrow(RangeError);
  });
});
