import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddingError, grayFacesView, loadVggface2Embedder, VGGFACE2_MEANS_BGR, type Embedder } from "../src/index.js";
import { buildVggface2Resnet50, expectedWeights, vggface2Preprocess } from "../src/tfjs.js";
import { setupBackend } from "./helpers/backend.js";
import { ferTestSlice } from "./helpers/data.js";
import { testWeightValue, writeKerasH5, writeLayersFolder } from "./helpers/keras-h5.js";

const dir = mkdtempSync(path.join(tmpdir(), "fer-vggface2-"));
const h5File = path.join(dir, "rcmalli_vggface_tf_notop_resnet50.h5");
let layerIndex: Map<string, number>;
let embedder: Embedder;

beforeAll(async () => {
  await setupBackend();
  const model = buildVggface2Resnet50();
  layerIndex = new Map(model.layers.map((l, i) => [l.name, i]));
  await writeKerasH5(h5File, model);
  model.dispose();
  embedder = await loadVggface2Embedder({ weights: h5File });
});

afterAll(() => {
  embedder?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function expectError(p: Promise<unknown>, kind: string, text: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EmbeddingError);
  expect((err as EmbeddingError).kind).toBe(kind);
  expect((err as Error).message).toMatch(text);
}

describe("VGGFace2 ResNet-50 architecture", () => {
  it("has keras-vggface's layer names, 23.5 M parameters and a 2048-d avg_pool output", () => {
    const model = buildVggface2Resnet50();
    try {
      const names = model.layers.map((l) => l.name);
      for (const n of ["conv1/7x7_s2", "conv1/7x7_s2/bn", "conv2_1_1x1_proj", "conv3_4_3x3/bn", "conv4_6_1x1_increase", "conv5_3_1x1_increase/bn", "avg_pool"]) {
        expect(names).toContain(n);
      }
      expect(model.countParams()).toBeGreaterThan(23_500_000);
      expect(model.countParams()).toBeLessThan(23_600_000);
      expect(model.inputs[0]!.shape).toEqual([null, 224, 224, 3]);
      expect(model.outputs[0]!.shape).toEqual([null, 2048]);
      const conv = expectedWeights(model).filter((w) => w.layer === "conv1/7x7_s2");
      expect(conv).toEqual([{ layer: "conv1/7x7_s2", short: "kernel", shape: [7, 7, 3, 64] }]);
    } finally {
      model.dispose();
    }
  });

  it("preprocesses like keras-vggface version 2: RGB -> BGR minus the channel means", () => {
    const rgb = tf.tensor4d([10, 20, 30], [1, 1, 1, 3]);
    const out = vggface2Preprocess(rgb);
    const v = Array.from(out.dataSync());
    expect(v[0]).toBeCloseTo(30 - VGGFACE2_MEANS_BGR[0], 4);
    expect(v[1]).toBeCloseTo(20 - VGGFACE2_MEANS_BGR[1], 4);
    expect(v[2]).toBeCloseTo(10 - VGGFACE2_MEANS_BGR[2], 4);
    tf.dispose([rgb, out]);
  });
});

describe("loading the Keras HDF5 weights file", () => {
  it("puts each weight into the layer of the same name", async () => {
    const internal = embedder as unknown as { dim: number };
    expect(internal.dim).toBe(2048);
    // re-open the model through a second load to inspect a layer's weights directly
    const model = buildVggface2Resnet50();
    const { assignWeights, openKerasH5Weights } = await import("../src/tfjs.js");
    const h5 = await openKerasH5Weights(h5File);
    try {
      assignWeights(model, h5.lookup, h5File);
    } finally {
      h5.close();
    }
    const li = layerIndex.get("conv3_2_3x3")!;
    const kernel = model.getLayer("conv3_2_3x3").getWeights()[0]!;
    expect(kernel.shape).toEqual([3, 3, 128, 128]);
    const want = testWeightValue(li, "kernel", [3, 3, 128, 128]);
    const got = kernel.dataSync();
    expect(got[0]).toBeCloseTo(want[0]!, 6);
    expect(got[12345]).toBeCloseTo(want[12345]!, 6);
    const bn = model.getLayer("conv4_3_1x1_reduce/bn").getWeights();
    const bnIndex = layerIndex.get("conv4_3_1x1_reduce/bn")!;
    expect(bn[3]!.dataSync()[7]).toBeCloseTo(testWeightValue(bnIndex, "moving_variance", [256])[7]!, 6);
    expect(bn[0]!.dataSync()[7]).toBeCloseTo(testWeightValue(bnIndex, "gamma", [256])[7]!, 6);
    model.dispose();
  });

  it("embeds real faces into finite 2048-d vectors that differ between faces, keeping memory flat", async () => {
    const ds = await ferTestSlice(1);
    const faces = grayFacesView(ds.pixels, ds.size, 0, 2);
    const before = tf.memory().numTensors;
    const v = await embedder.embed(faces);
    expect(tf.memory().numTensors).toBe(before);
    expect(v.length).toBe(2 * 2048);
    expect(v.every(Number.isFinite)).toBe(true);
    const a = v.subarray(0, 2048);
    const b = v.subarray(2048);
    let diff = 0;
    for (let i = 0; i < 2048; i++) diff += Math.abs(a[i]! - b[i]!);
    expect(diff).toBeGreaterThan(1e-3);
    const first = a.slice();
    // several layers in one pass; the avg_pool row is the same vector as embed() gave
    const [l3, avg] = await embedder.embedLayers(faces.slice(0, 1), ["conv3_4", "avg_pool"]);
    expect(l3!.length).toBe(512);
    let maxDiff = 0;
    for (let i = 0; i < 2048; i++) maxDiff = Math.max(maxDiff, Math.abs(avg![i]! - first[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it("loads a TensorFlow.js layers model folder into the same network", async () => {
    const { assignWeights, openKerasH5Weights, readLayersModelFolder } = await import("../src/tfjs.js");
    const model = buildVggface2Resnet50();
    const h5 = await openKerasH5Weights(h5File);
    assignWeights(model, h5.lookup, h5File);
    h5.close();
    const folder = path.join(dir, "tfjs");
    await writeLayersFolder(folder, model);
    const lookup = await readLayersModelFolder(folder);
    const again = buildVggface2Resnet50();
    assignWeights(again, lookup, folder);
    for (const name of ["conv1/7x7_s2", "conv3_2_3x3", "conv5_3_1x1_increase/bn"]) {
      const a = model.getLayer(name).getWeights();
      const b = again.getLayer(name).getWeights();
      expect(b.length).toBe(a.length);
      a.forEach((t, i) => expect(Array.from(b[i]!.dataSync().slice(0, 50))).toEqual(Array.from(t.dataSync().slice(0, 50))));
    }
    model.dispose();
    again.dispose();
    const fromFolder = await loadVggface2Embedder({ weights: folder, layer: "conv4_6" });
    expect(fromFolder.dim).toBe(1024);
    expect(fromFolder.fingerprint).toMatch(/^vggface2-resnet50@conv4_6:tfjs:/);
    fromFolder.dispose();
  });

  it("reads a full model.save file (weights under a model_weights group)", async () => {
    const { openKerasH5Weights } = await import("../src/tfjs.js");
    const model = buildVggface2Resnet50();
    const full = path.join(dir, "full.h5");
    await writeKerasH5(full, model, { fullModel: true, onlyLayers: ["conv1/7x7_s2"] });
    model.dispose();
    const h5 = await openKerasH5Weights(full);
    try {
      expect(h5.layerNames).toEqual(["conv1/7x7_s2"]);
      expect(h5.lookup("conv1/7x7_s2", "kernel")!.shape).toEqual([7, 7, 3, 64]);
      expect(h5.lookup("conv1/7x7_s2", "bias")).toBeUndefined();
    } finally {
      h5.close();
    }
  });
});

describe("clear errors for missing or malformed weights", () => {
  it("says a weights file is needed when none is given", async () => {
    await expectError(loadVggface2Embedder({ weights: undefined }), "missing-weights", /rcmalli_vggface_tf_notop_resnet50\.h5/);
  });

  it("names the path that does not exist", async () => {
    await expectError(loadVggface2Embedder({ weights: path.join(dir, "nope.h5") }), "missing-weights", /nope\.h5 does not exist/);
  });

  it("refuses a file that is not HDF5", async () => {
    const bad = path.join(dir, "not.h5");
    writeFileSync(bad, "hello");
    await expectError(loadVggface2Embedder({ weights: bad }), "bad-weights-layout", /not an HDF5 file/);
  });

  it("names the missing layers of an incomplete file", async () => {
    const model = buildVggface2Resnet50();
    const partial = path.join(dir, "partial.h5");
    await writeKerasH5(partial, model, { onlyLayers: ["conv1/7x7_s2", "conv1/7x7_s2/bn"] });
    model.dispose();
    await expectError(loadVggface2Embedder({ weights: partial }), "bad-weights-layout", /missing, e\.g\. conv2_1_1x1_reduce\/kernel/);
  });

  it("names a weight of the wrong shape", async () => {
    const model = buildVggface2Resnet50();
    const wrong = path.join(dir, "wrong.h5");
    await writeKerasH5(wrong, model, { onlyLayers: ["conv1/7x7_s2"], badShape: { weight: "conv1/7x7_s2/kernel", shape: [3, 3, 3, 64] } });
    model.dispose();
    await expectError(loadVggface2Embedder({ weights: wrong }), "bad-weights-layout", /conv1\/7x7_s2\/kernel has shape \[3, 3, 3, 64\].*\[7, 7, 3, 64\]/);
  });

  it("refuses an HDF5 file without Keras' layer_names", async () => {
    const h5 = await import("h5wasm/node");
    await h5.ready;
    const other = path.join(dir, "other.h5");
    const f = new h5.File(other, "w");
    f.create_dataset({ name: "data", data: new Float32Array([1, 2, 3]) });
    f.close();
    await expectError(loadVggface2Embedder({ weights: other }), "bad-weights-layout", /layer_names/);
  });

  it("refuses an unknown layer", async () => {
    await expectError(loadVggface2Embedder({ weights: h5File, layer: "fc7" }), "unknown-layer", /avg_pool/);
  });
});
