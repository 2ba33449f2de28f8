// A model folder read as plain data (readCnnDescription: no tfjs-layers) for every architecture fer trains, against
// tfjs-layers' own loader and predictions; and the typed errors of a folder the reader refuses.
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decodeFaceFile } from "@fer/preprocess/node";
import { initBackend, type OnnxRuntime } from "@fer/runtime";
import { ALL_ARCHITECTURES, ARCHITECTURE_SPECS, buildModel, FEATURE_LAYERS, MODERN_ARCHITECTURES } from "../src/architectures.js";
import { loadCnn } from "../src/cnn-model.js";
import { defaultCnnDir } from "../src/default-model.js";
import { readCnnDescription } from "../src/model-files.js";
import { ModelFolderError } from "../src/model-folder.js";
import { saveLayersModel } from "../src/model-io.js";
import { cnnToOnnx, CnnDescriptionError, describeCnn } from "../src/onnx/index.js";
import { requireOnnxRuntime } from "./onnxruntime.js";
import { maxAbs, maxAbsDiff } from "./differences.js";
import { randomiseBatchNorm } from "./random.js";
import { fer2013 } from "./shared-data.js";

let ort: OnnxRuntime;
let work: string;
/** Two FER2013 train faces of each class, raw gray levels. */
let faces: Float32Array;
const N = 14;

beforeAll(async () => {
  await initBackend();
  ort = await requireOnnxRuntime();
  work = await mkdtemp(join(tmpdir(), "fer-cnn-description-"));
  const pixels: number[] = [];
  for (const cls of (await readdir(fer2013("train"))).sort()) {
    for (const f of (await readdir(join(fer2013("train"), cls))).sort().slice(0, 2)) pixels.push(...(await decodeFaceFile(join(fer2013("train"), cls, f), 48)));
  }
  faces = Float32Array.from(pixels);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("readCnnDescription", () => {
  test("every architecture (A-G, vgg-bn, resnet) saved to a folder reads back with tfjs-layers' layers and shapes, and its ONNX graph gives tfjs-layers' outputs", async () => {
    for (const arch of ALL_ARCHITECTURES) {
      const model = buildModel(arch, { seed: 5 });
      randomiseBatchNorm(model);
      const dir = join(work, arch);
      await saveLayersModel(model, dir);
      const description = await readCnnDescription(dir);
      expect(description.layers.map((l) => [l.name, l.kind, l.shape])).toEqual(
        model.layers.map((l) => [l.name, l.getClassName(), l.getClassName() === "InputLayer" ? model.inputs[0]!.shape.slice(1) : (l.outputShape as number[]).slice(1)]),
      );
      const weights = description.layers.flatMap((l) => Object.values(l.weights));
      expect(weights.length).toBe(model.weights.length);
      const { bytes, names } = cnnToOnnx(description);
      const session = await ort.InferenceSession.create(bytes);
      const outputs = await session.run({ [names.input]: new ort.Tensor("float32", faces.map((v) => v / 255), [N, 48, 48, 1]) });
      await session.release();
      const want = tf.tidy(() => {
        const probe = tfl.model({ inputs: model.inputs, outputs: [FEATURE_LAYERS.dense1, FEATURE_LAYERS.dense2].map((l) => model.getLayer(l).output as tfl.SymbolicTensor).concat(model.outputs[0]!) });
        return (probe.predict(tf.tensor4d(faces.map((v) => v / 255), [N, 48, 48, 1])) as tf.Tensor[]).map((t) => t.dataSync() as Float32Array);
      });
      const got = [names.dense.dense1!, names.dense.dense2!, names.scores].map((o) => outputs[o]!.data as Float32Array);
      const scale = Math.max(...want.map(maxAbs));
      const diff = Math.max(...got.map((g, i) => maxAbsDiff(g, want[i]!)));
      console.log(`${arch}: folder -> description -> ONNX vs tfjs-layers predict, ${N} faces: max abs difference ${diff.toExponential(2)} (largest output ${scale.toFixed(3)})`);
      expect(scale).toBeGreaterThan(0);
      expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
      model.dispose();
    }
  });

  test("loadCnn runs a batch-norm and a residual model on both engines as tfjs-layers does", async () => {
    const shipped = JSON.parse(await readFile(join(defaultCnnDir(), "card.json"), "utf8")) as Record<string, unknown>;
    for (const arch of MODERN_ARCHITECTURES) {
      const model = buildModel(arch, { seed: 9 });
      randomiseBatchNorm(model);
      const dir = join(work, `${arch}-folder`);
      await saveLayersModel(model, dir);
      await writeFile(join(dir, "card.json"), JSON.stringify({ ...shipped, architecture: arch, output: ARCHITECTURE_SPECS[arch].output, parameters: model.countParams() }));
      const want = tf.tidy(() => {
        const probe = tfl.model({ inputs: model.inputs, outputs: model.getLayer(FEATURE_LAYERS.dense2).output as tfl.SymbolicTensor });
        return (probe.predict(tf.tensor4d(faces, [N, 48, 48, 1])) as tf.Tensor).dataSync() as Float32Array;
      });
      const pixels = Uint8Array.from(faces);
      for (const engine of ["onnxruntime", "tfjs"] as const) {
        const cnn = await loadCnn(dir, { engine });
        const diff = maxAbsDiff(await cnn.features(pixels, N, "dense2"), want);
        console.log(`${arch} on ${engine}: dense2 vs tfjs-layers max abs difference ${diff.toExponential(2)} (largest ${maxAbs(want).toFixed(3)})`);
        expect(maxAbs(want)).toBeGreaterThan(0.01);
        expect(diff).toBeLessThan(1e-4 * Math.max(1, maxAbs(want)));
        cnn.dispose();
      }
      model.dispose();
    }
  });

  test("a folder it cannot read is a ModelFolderError naming model.json, the layer and the cause", async () => {
    const copy = async (name: string, edit: (json: { modelTopology: { config: { layers: Array<Record<string, unknown>> } }; weightsManifest: Array<{ weights: Array<Record<string, unknown>> }> }) => void) => {
      const dir = join(work, name);
      await mkdir(dir, { recursive: true });
      for (const f of ["weights.bin", "card.json"]) await copyFile(join(defaultCnnDir(), f), join(dir, f));
      const json = JSON.parse(await readFile(join(defaultCnnDir(), "model.json"), "utf8"));
      edit(json);
      await writeFile(join(dir, "model.json"), JSON.stringify(json));
      return dir;
    };
    const cases: Array<[string, Parameters<typeof copy>[1], RegExp]> = [
      ["unknown-layer", (j) => void (j.modelTopology.config.layers[3]!.class_name = "UpSampling2D"), /model\.json: layer conv1_3: UpSampling2D layers are not supported/],
      ["channels-first", (j) => void ((j.modelTopology.config.layers[1]!.config as Record<string, unknown>).data_format = "channels_first"), /layer conv1_1: data format channelsFirst is not supported/],
      ["shared-layer", (j) => void (j.modelTopology.config.layers[2]!.inbound_nodes as unknown[]).push([["conv1_1", 0, 0, {}]]), /layer conv1_2: a layer applied 2 times cannot be read/],
      ["order", (j) => j.modelTopology.config.layers.reverse(), /reads .*, which is not an earlier layer|the first layer is not the input/],
      ["quantized", (j) => void (j.weightsManifest[0]!.weights[0]!.quantization = { dtype: "uint8", scale: 1, min: 0 }), /weight conv1_1\/kernel is quantized/],
      ["no-weight", (j) => void (j.weightsManifest[0]!.weights[0]!.name = "other/kernel"), /layer conv1_1: no kernel weight/],
    ];
    for (const [name, edit, message] of cases) {
      const dir = await copy(name, edit);
      const error = await loadCnn(dir, { engine: "onnxruntime" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(ModelFolderError);
      if (name !== "quantized") expect((error as Error).cause, name).toBeInstanceOf(CnnDescriptionError);
      expect((error as Error).message, name).toMatch(message);
      expect((error as Error).message).toContain(dir);
    }
    expect(() => describeCnn({ class_name: "Model", config: { layers: [] } })).toThrow(/no layers/);
    expect(() => describeCnn({ format: "graph-model" })).toThrow(CnnDescriptionError);
  });
});

describe("without @tensorflow/tfjs-layers (hidden from resolution: scripts/hide-packages.mjs; the built dist)", () => {
  test("@fer/cnn loads and runs the shipped CNN on both engines without trying to import it; @fer/cnn/train throws a MissingPackageError naming it", async () => {
    const log = join(work, "hidden.log");
    const script = `
      const { loadCnn, defaultCnnDir, MissingPackageError } = await import("@fer/cnn");
      const faces = new Uint8Array(2 * 48 * 48).map((_, i) => (i * 7) % 256);
      const scores = [];
      for (const engine of ["onnxruntime", "tfjs"]) {
        const cnn = await loadCnn(defaultCnnDir(), { engine });
        scores.push(Array.from(await cnn.scores(faces, 2)));
        cnn.dispose();
      }
      if (Math.max(...scores[0].map((v, i) => Math.abs(v - scores[1][i]))) > 1e-4) throw new Error("engines differ: " + JSON.stringify(scores));
      const logged = (await import("node:fs")).existsSync(process.env.FER_HIDE_LOG);
      const error = await import("@fer/cnn/train").then(() => undefined, (e) => e);
      console.log(JSON.stringify({ loggedBeforeTrain: logged, name: error?.name, isTyped: error instanceof MissingPackageError, packageName: error?.packageName, message: error?.message }));
    `;
    const out = execFileSync(process.execPath, ["--import", join(import.meta.dirname, "../../../scripts/hide-packages.mjs"), "--input-type=module", "-e", script], {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, FER_HIDE_PACKAGES: "@tensorflow/tfjs-layers", FER_HIDE_LOG: log },
      encoding: "utf8",
    });
    const result = JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(result).toMatchObject({ loggedBeforeTrain: false, name: "MissingPackageError", isTyped: true, packageName: "@tensorflow/tfjs-layers" });
    expect(result.message).toMatch(/needs @tensorflow\/tfjs-layers, which is not installed: npm install @tensorflow\/tfjs-layers/);
    // The only attempt: the training entry's.
    expect((await readFile(log, "utf8")).trim().split("\n")).toEqual([expect.stringMatching(/^@tensorflow\/tfjs-layers from .*\/dist\/tfjs-layers\.js$/)]);
  });
});
