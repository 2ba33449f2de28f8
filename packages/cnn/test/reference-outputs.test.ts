// The shipped CNN against the outputs recorded once with the tfjs-layers loader (scripts/reference-outputs.mjs, commit
// b61f769): the model folder read without tfjs-layers, as an ONNX graph on onnxruntime and on the tfjs-core interpreter.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { cropBox, prepareFaceBytes } from "@fer/preprocess";
import { decodeImage, loadFolderDataset } from "@fer/preprocess/node";
import { liveOnnxSessions } from "@fer/runtime";
import { loadCnn, type FerCnn } from "../src/cnn-model.js";
import { defaultCnnDir } from "../src/default-model.js";
import { maxAbsDiff } from "./differences.js";
import { fer2013, sharedDir } from "./shared-data.js";

interface Meta {
  margin: number;
  photoFaces: Array<{ photo: string; box: { x: number; y: number; width: number; height: number } }>;
  fer2013Train: { perClass: number; files: string[] };
  engines: Array<"onnxruntime" | "tfjs">;
  outputs: Array<"dense1" | "dense2" | "scores">;
  widths: Record<string, number>;
  count: number;
}

const fixtures = join(import.meta.dirname, "fixtures");
let meta: Meta;
let pixels: Uint8Array;
/** reference[engine][output]: [count, width] as recorded. */
const reference: Record<string, Record<string, Float32Array>> = {};

beforeAll(async () => {
  meta = JSON.parse(await readFile(join(fixtures, "reference-outputs.json"), "utf8")) as Meta;
  const bin = await readFile(join(fixtures, "reference-outputs.bin"));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  let offset = 0;
  for (const engine of meta.engines) {
    reference[engine] = {};
    for (const out of meta.outputs) {
      const n = meta.count * meta.widths[out]!;
      reference[engine][out] = all.subarray(offset, offset + n);
      offset += n;
    }
  }
  expect(offset).toBe(all.length);
  // The same faces: the stored boxes cut from the shared photos, then FER2013 train's first images of each class.
  const blocks: Uint8Array[] = [];
  const images = new Map<string, Awaited<ReturnType<typeof decodeImage>>>();
  for (const { photo, box } of meta.photoFaces) {
    if (!images.has(photo)) images.set(photo, await decodeImage(join(sharedDir(), "photos", photo)));
    blocks.push(prepareFaceBytes(cropBox(images.get(photo)!, box, { margin: meta.margin, square: true }), { size: 48, contrast: "none", pixelScale: "raw" }).data);
  }
  const { dataset } = await loadFolderDataset(fer2013("train"), { cache: false, perClass: meta.fer2013Train.perClass });
  expect(dataset.ids).toEqual(meta.fer2013Train.files);
  expect(blocks.length + dataset.count).toBe(meta.count);
  pixels = new Uint8Array(meta.count * 48 * 48);
  blocks.forEach((b, i) => pixels.set(b, i * 48 * 48));
  pixels.set(dataset.pixels, blocks.length * 48 * 48);
});

async function outputs(cnn: FerCnn): Promise<Record<string, Float32Array>> {
  return {
    dense1: await cnn.features(pixels, meta.count, "dense1"),
    dense2: await cnn.features(pixels, meta.count, "dense2"),
    scores: await cnn.scores(pixels, meta.count),
  };
}

describe("the shipped CNN without tfjs-layers, against the tfjs-layers loader's recorded outputs", () => {
  test("onnxruntime: dense1, dense2 and scores within 1e-5 of the recorded onnxruntime outputs", async () => {
    const cnn = await loadCnn(defaultCnnDir(), { engine: "onnxruntime" });
    const got = await outputs(cnn);
    for (const out of meta.outputs) {
      const diff = maxAbsDiff(got[out]!, reference.onnxruntime![out]!);
      console.log(`onnxruntime ${out}, ${meta.count} faces (${meta.photoFaces.length} from photos): max abs difference to the recorded ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-5);
    }
    expect(cnn.featureSize("dense1")).toBe(meta.widths.dense1);
    expect(cnn.featureSize("dense2")).toBe(meta.widths.dense2);
    // The last Dense layer's weights applied to the dense2 features give the scores (F's output is linear).
    const { kernel, bias } = cnn.logitsWeights();
    const classes = bias.length;
    expect(classes).toBe(meta.widths.scores);
    let diff = 0;
    for (let i = 0; i < meta.count; i++) {
      for (let c = 0; c < classes; c++) {
        let s = bias[c]!;
        for (let k = 0; k < 64; k++) s += got.dense2![i * 64 + k]! * kernel[k * classes + c]!;
        diff = Math.max(diff, Math.abs(s - got.scores![i * classes + c]!));
      }
    }
    expect(diff).toBeLessThan(1e-4);
    cnn.dispose();
  });

  test("tfjs: dense1, dense2 and scores within 1e-4 of the recorded tfjs-layers outputs; no tensor left over repeated calls", async () => {
    const cnn = await loadCnn(defaultCnnDir(), { engine: "tfjs" });
    expect(cnn.engine).toBe("tfjs");
    const got = await outputs(cnn);
    for (const out of meta.outputs) {
      const diff = maxAbsDiff(got[out]!, reference.tfjs![out]!);
      console.log(`tfjs (ONNX interpreter) ${out}: max abs difference to the recorded tfjs-layers outputs ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-4);
    }
    const batch = pixels.subarray(0, 4 * 48 * 48);
    await cnn.features(batch, 4, "dense1");
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) await cnn.features(batch, 4, i % 2 === 0 ? "dense2" : "dense1");
    expect(tf.memory().numTensors).toBe(tensors);
    cnn.dispose();
    cnn.dispose();
    expect(tf.memory().numTensors).toBeLessThan(tensors);
  });

  test("no session outlives its CNN", async () => {
    const before = liveOnnxSessions();
    for (let i = 0; i < 3; i++) {
      const cnn = await loadCnn(defaultCnnDir(), { engine: "onnxruntime", threads: 1 });
      await cnn.scores(pixels.subarray(0, 48 * 48), 1);
      cnn.dispose();
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(liveOnnxSessions()).toBe(before);
  });
});
