#!/usr/bin/env node
// The @vladmandic/face-api side of `pnpm bench` (src/bench/bench.ts), in its own process because face-api's
// node-wasm build brings its own CommonJS copy of TensorFlow.js. Prints one JSON object to stdout.
//   node bench/face-api-worker.cjs --runs N [--detector ssd|tiny] [--fer DIR --per-class N] photo...
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const { parseArgs } = require("node:util");
const sharp = require("sharp");
const faceapi = require("@vladmandic/face-api/dist/face-api.node-wasm.js");

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: "string", default: "3" }, detector: { type: "string", default: "ssd" }, fer: { type: "string" }, "per-class": { type: "string" } },
});

/** face-api's expression names -> the FER2013 class names. */
const FER_NAME = { angry: "angry", disgusted: "disgust", fearful: "fear", happy: "happy", neutral: "neutral", sad: "sad", surprised: "surprise" };
const CLASSES = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"];

async function tensorOf(file) {
  const { data, info } = await sharp(file).autoOrient().removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
  return faceapi.tf.tensor3d(new Int32Array(data), [info.height, info.width, 3], "int32");
}

async function main() {
  await faceapi.tf.setBackend("wasm");
  await faceapi.tf.ready();
  const modelDir = path.join(path.dirname(require.resolve("@vladmandic/face-api/package.json")), "model");
  const tiny = values.detector === "tiny";
  await (tiny ? faceapi.nets.tinyFaceDetector : faceapi.nets.ssdMobilenetv1).loadFromDisk(modelDir);
  await faceapi.nets.faceExpressionNet.loadFromDisk(modelDir);
  const options = tiny ? new faceapi.TinyFaceDetectorOptions() : new faceapi.SsdMobilenetv1Options();
  const photos = positionals;
  const runs = Number(values.runs);
  const analyse = async (file) => {
    const t = await tensorOf(file);
    try {
      return await faceapi.detectAllFaces(t, options).withFaceExpressions();
    } finally {
      t.dispose();
    }
  };
  for (const p of photos) await analyse(p); // warm-up
  const perPhoto = {};
  let total = 0;
  let faces = 0;
  for (let r = 0; r < runs; r++) {
    for (const p of photos) {
      const start = performance.now();
      const found = await analyse(p);
      const ms = performance.now() - start;
      total += ms;
      faces += found.length;
      (perPhoto[path.basename(p)] ??= { ms: 0, faces: found.length }).ms += ms / runs;
    }
  }
  const out = {
    library: `@vladmandic/face-api ${faceapi.version ?? ""}`.trim(),
    detector: tiny ? "TinyFaceDetector" : "SsdMobilenetv1",
    backend: `${faceapi.tf.getBackend()} (tfjs ${faceapi.tf.version.tfjs})`,
    photos: photos.length,
    runs,
    msPerPhoto: total / (runs * photos.length),
    msPerFace: faces === 0 ? null : total / faces,
    perPhoto,
    tensorsLeft: faceapi.tf.memory().numTensors,
  };
  if (values.fer) {
    // Its expression model on FER2013 crops: each 48x48 image is given whole to faceExpressionNet (as our eval does).
    const limit = values["per-class"] ? Number(values["per-class"]) : Infinity;
    let right = 0;
    let n = 0;
    const start = performance.now();
    for (const cls of CLASSES) {
      const dir = path.join(values.fer, cls);
      if (!fs.existsSync(dir)) continue;
      for (const f of fs.readdirSync(dir).sort().slice(0, limit)) {
        const t = await tensorOf(path.join(dir, f));
        const probs = await faceapi.nets.faceExpressionNet.predictExpressions(t);
        t.dispose();
        const best = Object.entries(probs).reduce((a, b) => (b[1] > a[1] ? b : a));
        if (FER_NAME[best[0]] === cls) right++;
        n++;
      }
    }
    out.fer2013 = { images: n, accuracy: n === 0 ? 0 : right / n, msPerFace: (performance.now() - start) / Math.max(n, 1), dataset: values.fer };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
