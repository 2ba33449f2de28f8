/**
 * Embedding throughput (faces/s) and model size of every backbone on this machine, on real FER2013 test faces.
 * VGGFace2's real weights cannot be downloaded here; its speed is measured on the same architecture loaded from
 * a synthetic weights file in the Keras layout (speed does not depend on the weight values).
 * Usage: node dist/bench/throughput.js [faces=200] [vggFaces=32]
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describeBackend, initBackend } from "@fer/runtime";
import { loadFolderDataset } from "@fer/preprocess/node";
import * as tf from "@tensorflow/tfjs-core";
import type { Embedder } from "../embedder.js";
import { faceApiModelDir, loadFaceApiResnetEmbedder } from "../faceapi/resnet34.js";
import { grayFacesView } from "../gray-faces.js";
import { FACERES_VARIANTS, humanModelsDir, loadFaceresEmbedder } from "../graph/human-faceres.js";
import { sharedDir } from "@fer/preprocess/node";
import { buildVggface2Resnet50 } from "../vggface2/architecture.js";
import { loadVggface2Embedder } from "../vggface2/embedder.js";
import { writeSyntheticKerasH5 } from "./synthetic-h5.js";

const nFaces = Number(process.argv[2] ?? 200);
const nVgg = Number(process.argv[3] ?? 32);
const BATCH = 32;
const backend = await initBackend();
console.log(`# Embedding throughput, ${new Date().toISOString().slice(0, 10)}, backend ${describeBackend(backend)}`);
const { dataset } = await loadFolderDataset(path.join(sharedDir(), "datasets/fer2013/test"));

async function measure(e: Embedder, layer: string, n: number): Promise<number> {
  const faces = grayFacesView(dataset.pixels, dataset.size, 0, n);
  await e.embedLayers(faces.slice(0, Math.min(4, n)), [layer]); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) await e.embedLayers(faces.slice(i, i + BATCH), [layer]);
  return n / ((performance.now() - t0) / 1000);
}

const rows: string[] = ["| backbone | engine | layer | dim | faces | faces/s | weights in memory | on disk |", "|---|---|---|---|---|---|---|---|"];
const faDisk = statSync(path.join(faceApiModelDir(), "face_recognition_model.bin")).size;
// face-api's ResNet-34 on both engines (onnxruntime when onnxruntime-node is installed; default threads of each).
for (const engine of ["tfjs", "onnxruntime"] as const) {
  let fa: Embedder;
  try {
    fa = await loadFaceApiResnetEmbedder({ engine });
  } catch (e) {
    console.log(`faceapi-resnet34 on ${engine} skipped: ${(e as Error).message}`);
    continue;
  }
  for (const layer of ["descriptor", "block256-grid2", "block128-grid2"]) {
    const fps = await measure(fa, layer, nFaces);
    rows.push(`| faceapi-resnet34 | ${engine} | ${layer} | ${fa.dimOf(layer)} | ${nFaces} | ${fps.toFixed(1)} | ${(fa.weightBytes / 1e6).toFixed(1)} MB | ${(faDisk / 1e6).toFixed(1)} MB (uint8-quantised) |`);
    console.log(rows.at(-1));
  }
  fa.dispose();
}

try {
  const fr = await loadFaceresEmbedder();
  const frDisk = statSync(path.join(humanModelsDir(), FACERES_VARIANTS["human-faceres-deep"].replace(".json", ".bin"))).size;
  const fps = await measure(fr, "global_pooling", nVgg);
  rows.push(`| human-faceres-deep | tfjs | global_pooling | 1024 | ${nVgg} | ${fps.toFixed(2)} | ${(fr.weightBytes / 1e6).toFixed(1)} MB | ${(frDisk / 1e6).toFixed(1)} MB (float32) |`);
  console.log(rows.at(-1));
  fr.dispose();
} catch (e) {
  console.log(`human-faceres-deep skipped: ${(e as Error).message}`);
}

const dir = mkdtempSync(path.join(tmpdir(), "fer-vgg-bench-"));
try {
  const file = path.join(dir, "synthetic_vggface2_resnet50.h5");
  const model = buildVggface2Resnet50();
  await writeSyntheticKerasH5(file, model);
  model.dispose();
  const vgg = await loadVggface2Embedder({ weights: file });
  const fps = await measure(vgg, "avg_pool", nVgg);
  rows.push(`| vggface2-resnet50 (synthetic weights) | tfjs | avg_pool | 2048 | ${nVgg} | ${fps.toFixed(2)} | ${(vgg.weightBytes / 1e6).toFixed(1)} MB | ${(statSync(file).size / 1e6).toFixed(1)} MB (float32 HDF5) |`);
  console.log(rows.at(-1));
  vgg.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\n${rows.join("\n")}\n\ntensors still allocated: ${tf.memory().numTensors}`);
