// Train a small CNN (the study's architecture A by default) on a slice of FER2013 and evaluate it.
//   pnpm --filter fer-examples train-small-cnn [--data DIR] [--out DIR] [--arch A..G] [--epochs N] [--per-class N]
// Defaults: 200 images per class of ../shared/datasets/fer2013/train, 2 epochs, model in examples/out/small-cnn/best.
// The result is a model folder usable everywhere: fer analyze --cnn examples/out/small-cnn/best photo.jpg
import path from "node:path";
import { parseArgs } from "node:util";
import { initBackend, describeBackend } from "@fer/runtime";
import { trainCnn } from "@fer/cnn";
import { repoRoot } from "@fer/pipeline";
import { loadFolderDataset, subsetDataset } from "@fer/preprocess/node";

const { values } = parseArgs({
  options: {
    data: { type: "string", default: path.resolve(repoRoot(), "../shared/datasets/fer2013/train") },
    out: { type: "string", default: path.join(import.meta.dirname, "out", "small-cnn") },
    arch: { type: "string", default: "A" },
    epochs: { type: "string", default: "2" },
    "per-class": { type: "string", default: "200" },
  },
});
console.log(`backend: ${describeBackend(await initBackend())}`);
const { dataset: all } = await loadFolderDataset(values.data);
const perClass = Number(values["per-class"]);
const seen = new Map();
const keep = [...all.labels.keys()].filter((i) => (seen.set(all.labels[i], (seen.get(all.labels[i]) ?? 0) + 1), seen.get(all.labels[i]) <= perClass));
const data = subsetDataset(all, keep);
const result = await trainCnn(data, { architecture: values.arch, outDir: values.out, epochs: Number(values.epochs), batchSize: 32, mirror: true, seed: 1 });
const acc = result.card.metrics.validationAccuracy;
console.log(`trained ${values.arch} on ${data.count} images: validation accuracy ${acc === undefined ? "n/a" : (acc * 100).toFixed(1) + "%"}; model in ${result.bestDir}`);
