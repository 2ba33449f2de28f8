import path from "node:path";
import { cropBox } from "@fer/preprocess";
import { decodeImage, sharedDir } from "@fer/preprocess/node";
import { liveOnnxSessions } from "@fer/runtime";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grayFacesView, loadEmbedder, loadFaceApiResnetEmbedder, type Embedder } from "../src/index.js";
import type { Image } from "@fer/preprocess";
import { setupBackend } from "./helpers/backend.js";
import { ferTestSlice } from "./helpers/data.js";

let onTfjs: Embedder;
let onOnnx: Embedder;
let faces: Image[];

beforeAll(async () => {
  await setupBackend();
  onTfjs = await loadFaceApiResnetEmbedder({ engine: "tfjs", layer: "block128-grid2" });
  onOnnx = await loadFaceApiResnetEmbedder({ engine: "onnxruntime", layer: "block128-grid2", threads: 1 });
  // Real faces: two FER2013 test faces per class (gray 48x48, what the accurate preset feeds) and a colour crop of
  // a portrait photo of another size (faces of different sizes are resized one by one).
  const ds = await ferTestSlice(2);
  const photo = await decodeImage(path.join(sharedDir(), "photos", "biden_portrait.jpg"));
  const side = Math.round(Math.min(photo.width, photo.height) / 2);
  const portrait = cropBox(photo, { x: Math.round(photo.width / 2 - side / 2), y: Math.round(photo.height / 3 - side / 2), width: side, height: side });
  faces = [...grayFacesView(ds.pixels, ds.size, 0, ds.count), portrait];
});
afterAll(() => {
  onTfjs?.dispose();
  onOnnx?.dispose();
});

/** The largest absolute difference between two arrays of the same length. */
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("face-api's ResNet-34 on onnxruntime", () => {
  it("gives the tfjs path's features within 1e-4 at every tap, on real faces", async () => {
    expect(onTfjs.engine).toBe("tfjs");
    expect(onOnnx.engine).toBe("onnxruntime");
    const layers = ["block32", "block64-grid2", "block128", "block128-grid2", "block256-grid2", "pool", "descriptor"];
    const before = tf.memory().numTensors;
    const want = await onTfjs.embedLayers(faces, layers);
    const got = await onOnnx.embedLayers(faces, layers);
    expect(tf.memory().numTensors).toBe(before);
    layers.forEach((layer, i) => {
      expect(got[i]!.length, layer).toBe(faces.length * onOnnx.dimOf(layer));
      // Not a trivially equal pair: the features vary across faces.
      expect(Math.max(...got[i]!) - Math.min(...got[i]!), layer).toBeGreaterThan(0.1);
      expect(maxAbsDiff(got[i]!, want[i]!), layer).toBeLessThan(1e-4);
    });
    // The preset's layer through embed(), and the same fingerprint (a features cache stays valid across engines).
    expect(maxAbsDiff(await onOnnx.embed(faces), await onTfjs.embed(faces))).toBeLessThan(1e-4);
    expect(onOnnx.fingerprint).toBe(onTfjs.fingerprint);
  });

  it("releases its session on dispose, and loadEmbedder passes the engine on", async () => {
    const sessions = liveOnnxSessions();
    const e = await loadEmbedder("faceapi-resnet34", { engine: "onnxruntime" });
    expect(e.engine).toBe("onnxruntime");
    expect(liveOnnxSessions()).toBe(sessions + 1);
    e.dispose();
    expect(liveOnnxSessions()).toBe(sessions);
    const t = await loadEmbedder("faceapi-resnet34", { engine: "tfjs" });
    expect(t.engine).toBe("tfjs");
    t.dispose();
  });

  it("refuses engine onnxruntime for the tfjs-only backbones with a typed error", async () => {
    await expect(loadEmbedder("vggface2-resnet50", { engine: "onnxruntime", weights: "nowhere.h5" })).rejects.toMatchObject({
      name: "EmbeddingError",
      kind: "unsupported-engine",
      message: expect.stringMatching(/vggface2-resnet50 backbone runs on tfjs only/),
    });
    await expect(loadEmbedder("human-faceres", { engine: "onnxruntime" })).rejects.toMatchObject({ kind: "unsupported-engine" });
  });
});
