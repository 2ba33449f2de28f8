// A JavaScript app that uses the packed fer packages as a stranger would (run by scripts/consumer-test.mjs from a
// temporary folder outside the workspace, after `npm install` of the tarballs). Every step checks its result and
// throws on anything unexpected, so the consumer test fails when any step breaks.
//   node consumer.mjs PHOTO LABELLED_FOLDER OUT_DIR
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { defaultCnnDir, loadCnn } from "@fer/cnn";
import { createHead } from "@fer/heads";
import { createPipeline } from "@fer/pipeline";
import { decodeImage, loadFolderDataset } from "@fer/preprocess/node";

const EMOTIONS = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"];
const [photo, labelled, outDir] = process.argv.slice(2);
if (!photo || !labelled || !outDir) throw new Error("usage: node consumer.mjs PHOTO LABELLED_FOLDER OUT_DIR");
await mkdir(outDir, { recursive: true });

// 1. Analyse a photo with the default (fast) preset and save an annotated copy.
const image = await decodeImage(photo);
const pipeline = await createPipeline();
let faces;
try {
  const result = await pipeline.analyzeImage(image, photo);
  faces = result.faces.length;
  assert.ok(faces > 0, `no face found in ${photo}`);
  for (const face of result.faces) {
    assert.ok(EMOTIONS.includes(face.emotion), `unknown emotion ${face.emotion}`);
    const sum = Object.values(face.scores).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-3, `scores sum to ${sum}`);
  }
  console.log(`fast preset: ${faces} face(s): ${result.faces.map((f) => f.emotion).join(", ")} [${result.models.featuriser}; head ${result.models.head}]`);
  const out = path.join(outDir, "fast.annotated.png");
  await pipeline.saveAnnotated(image, result, out);
  const saved = await decodeImage(out);
  assert.equal(saved.width, image.width);
  assert.equal(saved.height, image.height);
  console.log(`annotated: ${out}`);
} finally {
  pipeline.dispose();
}

// 2. Swap the head: a kNN head fitted on the shipped CNN's dense1 features of a small labelled folder.
const cnn = await loadCnn(defaultCnnDir());
const { dataset } = await loadFolderDataset(labelled, { size: cnn.card.preprocess.size, cache: false });
assert.ok(dataset.count >= dataset.classes.length, `only ${dataset.count} labelled images in ${labelled}`);
const features = await cnn.features(dataset.pixels, dataset.count, "dense1");
const head = await createHead("knn", { k: 5 }).fit({ rows: dataset.count, cols: features.length / dataset.count, data: features }, dataset.labels, { classes: dataset.classes });
const swapped = await createPipeline({ cnn, head });
try {
  const result = await swapped.analyzeImage(image, photo);
  assert.equal(result.faces.length, faces, "the swapped head's pipeline found another number of faces");
  assert.match(String(result.models.head), /knn/i, `models.head is ${result.models.head}`);
  console.log(`kNN head (${dataset.count} faces): ${result.faces.map((f) => f.emotion).join(", ")} [head ${result.models.head}]`);
  const out = path.join(outDir, "knn.annotated.jpg");
  await swapped.saveAnnotated(image, result, out);
  assert.equal((await decodeImage(out)).width, image.width);
  console.log(`annotated: ${out}`);
} finally {
  swapped.dispose();
  head.dispose();
  cnn.dispose();
}
console.log("consumer: ok");
