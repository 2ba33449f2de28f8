// An app that installs @fer/pipeline alone (with the @fer packages it depends on, none of its optional peers): the
// fast preset must analyse a photo without @tensorflow/tfjs-layers, @vladmandic/face-api or onnxruntime-node (installed
// by nothing here), with the default detector (yunet) on tfjs; and the accurate preset, the haar, ssd-mobilenet-v1 and
// tiny-face detectors and @fer/cnn/train (training) must fail with a typed error naming the package to install.
// Run by scripts/consumer-test.mjs from a temporary folder outside the workspace.
//   node pipeline-only.mjs PHOTO
import assert from "node:assert/strict";
import { MissingPackageError, TFJS_LAYERS_PACKAGE } from "@fer/cnn";
import { FaceDetectError, OPENCV_PACKAGE } from "@fer/face-detect";
import { createPipeline, EMBEDDINGS_PACKAGE, PipelineError } from "@fer/pipeline";

const [photo] = process.argv.slice(2);
if (!photo) throw new Error("usage: node pipeline-only.mjs PHOTO");

// The optional peers are really absent here (otherwise this test would prove nothing).
for (const name of [EMBEDDINGS_PACKAGE, OPENCV_PACKAGE, TFJS_LAYERS_PACKAGE, "@vladmandic/face-api", "onnxruntime-node"]) {
  await assert.rejects(import(name), { code: "ERR_MODULE_NOT_FOUND" });
}

const pipeline = await createPipeline({ preset: "fast" });
try {
  const result = await pipeline.analyze(photo);
  assert.ok(result.faces.length > 0, `no face found in ${photo}`);
  // Without onnxruntime-node the default detector still runs: yunet, its ONNX graph on tfjs.
  assert.equal(pipeline.models.detector, "yunet");
  assert.deepEqual(pipeline.models.engines, { detector: "tfjs", featuriser: "tfjs" });
  console.log(`fast preset without ${EMBEDDINGS_PACKAGE}: ${result.faces.length} face(s), ${result.faces.map((f) => f.emotion).join(", ")}`);
} finally {
  pipeline.dispose();
}

await assert.rejects(createPipeline({ preset: "accurate" }), (e) => {
  assert.ok(e instanceof PipelineError, `not a PipelineError: ${e}`);
  assert.equal(e.kind, "missing-package");
  assert.match(e.message, /@fer\/embeddings-vggface2/);
  console.log(`accurate preset without it: PipelineError ${e.kind}: ${e.message}`);
  return true;
});

await assert.rejects(import("@fer/cnn/train"), (e) => {
  assert.ok(e instanceof MissingPackageError, `not a MissingPackageError: ${e}`);
  assert.equal(e.packageName, TFJS_LAYERS_PACKAGE);
  console.log(`@fer/cnn/train without it: MissingPackageError: ${e.message}`);
  return true;
});

await assert.rejects(createPipeline({ detector: "haar" }), (e) => {
  assert.ok(e instanceof FaceDetectError, `not a FaceDetectError: ${e}`);
  assert.equal(e.kind, "missing-package");
  assert.match(e.message, /@techstark\/opencv-js/);
  console.log(`haar detector without it: FaceDetectError ${e.kind}: ${e.message}`);
  return true;
});

// face-api's two networks read their weights from the optional @vladmandic/face-api (not shipped in @fer/face-detect).
for (const detector of ["ssd-mobilenet-v1", "tiny-face"]) {
  await assert.rejects(createPipeline({ detector }), (e) => {
    assert.ok(e instanceof FaceDetectError, `not a FaceDetectError: ${e}`);
    assert.equal(e.kind, "missing-package");
    assert.match(e.message, /npm i @vladmandic\/face-api@/);
    console.log(`${detector} detector without it: FaceDetectError ${e.kind}: ${e.message}`);
    return true;
  });
}
