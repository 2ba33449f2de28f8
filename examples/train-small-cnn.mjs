// Train a small CNN (the study's architecture A by default) on a slice of a labelled folder and evaluate it.
//   node train-small-cnn.mjs --data DIR [--out DIR] [--arch A..G] [--epochs N] [--per-class N]
// DIR is a folder <class>/<image> (e.g. FER2013's train folder); only the first N images of each class are read
// (default 200). Defaults: 2 epochs, the model in ./out/small-cnn/best (relative to the current folder).
// The result is a model folder usable everywhere: fer analyze --cnn out/small-cnn/best photo.jpg
import path from "node:path";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { initBackend, describeBackend } from "@fer/runtime";
import { trainCnn } from "@fer/cnn/train";
import { loadFolderDataset } from "@fer/preprocess/node";

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    out: { type: "string", default: path.join("out", "small-cnn") },
    arch: { type: "string", default: "A" },
    epochs: { type: "string", default: "2" },
    "per-class": { type: "string", default: "200" },
  },
});
if (values.data === undefined) throw new Error("train-small-cnn: pass --data DIR, a labelled folder <class>/<image> (e.g. FER2013's train folder)");
const dataDir = path.resolve(values.data);
if (!existsSync(dataDir)) throw new Error(`train-small-cnn: --data ${dataDir} does not exist (a labelled folder <class>/<image>)`);
const perClass = Number(values["per-class"]);
if (!Number.isInteger(perClass) || perClass < 1) throw new Error(`train-small-cnn: --per-class must be a positive integer, got ${values["per-class"]}`);
console.log(`backend: ${describeBackend(await initBackend())}`);
const { dataset: data } = await loadFolderDataset(dataDir, { perClass });
const result = await trainCnn(data, { architecture: values.arch, outDir: path.resolve(values.out), epochs: Number(values.epochs), batchSize: 32, mirror: true, seed: 1 });
const acc = result.card.metrics.validationAccuracy;
console.log(`trained ${values.arch} on ${data.count} images: validation accuracy ${acc === undefined ? "n/a" : (acc * 100).toFixed(1) + "%"}; model in ${result.bestDir}`);
