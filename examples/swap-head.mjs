// Swap the head: fit a kNN (or SVM) head on CNN features of a labelled folder and plug it into the pipeline.
//   pnpm --filter fer-examples swap-head [--data DIR] [--per-class N] [--kind knn|svm] [--cnn DIR] [--photo FILE] [--head-out FILE]
// Defaults: 300 images per class of ../shared/datasets/fer2013/train, a kNN head, the shipped CNN.
import path from "node:path";
import { parseArgs } from "node:util";
import { writeFile, mkdir } from "node:fs/promises";
import { loadCnn } from "@fer/cnn";
import { createHead } from "@fer/heads";
import { createPipeline, examplePhotosDir, findDefaultCnn, repoRoot } from "@fer/pipeline";
import { loadFolderDataset, subsetDataset } from "@fer/preprocess/node";

const { values } = parseArgs({
  options: {
    data: { type: "string", default: path.resolve(repoRoot(), "../shared/datasets/fer2013/train") },
    "per-class": { type: "string", default: "300" },
    kind: { type: "string", default: "knn" },
    cnn: { type: "string" },
    photo: { type: "string", default: path.join(examplePhotosDir(), "obama_family_2011.jpg") },
    "head-out": { type: "string" },
  },
});
const cnnDir = values.cnn ?? (await findDefaultCnn()).dir;
if (!cnnDir) throw new Error("no CNN shipped yet: pass --cnn DIR (a folder written by fer train) or set FER_CNN_DIR");

// 1. Features of a labelled folder: the CNN's first 64-unit Dense layer (the study's best layer for a swapped head).
const cnn = await loadCnn(cnnDir);
const { dataset: all } = await loadFolderDataset(values.data, { size: cnn.card.preprocess.size });
const perClass = Number(values["per-class"]);
const seen = new Map();
const keep = [...all.labels.keys()].filter((i) => (seen.set(all.labels[i], (seen.get(all.labels[i]) ?? 0) + 1), seen.get(all.labels[i]) <= perClass));
const data = subsetDataset(all, keep);
const features = await cnn.features(data.pixels, data.count, "dense1");

// 2. Fit the head and save it (the featureLayer field tells the pipeline which layer it reads).
const head = await createHead(values.kind, values.kind === "knn" ? { k: 15 } : {}).fit({ rows: data.count, cols: 64, data: features }, data.labels, { classes: data.classes });
const headFile = path.resolve(values["head-out"] ?? path.join(import.meta.dirname, "out", `${values.kind}-head.json`));
await mkdir(path.dirname(headFile), { recursive: true });
await writeFile(headFile, JSON.stringify({ ...head.toJSON(), featureLayer: "dense1" }));
console.log(`${values.kind} head fitted on ${data.count} images of ${values.data}, saved to ${headFile}`);

// 3. Plug it in: only the head changes (the pipeline checks it fits the CNN's features).
const pipeline = await createPipeline({ cnn, head: headFile });
const result = await pipeline.analyze(values.photo);
console.log(`${path.basename(values.photo)}: ${result.faces.map((f) => `${f.emotion} ${(f.confidence * 100).toFixed(0)}%`).join(", ") || "no face"} [head ${result.models.head}]`);
pipeline.dispose();
head.dispose();
cnn.dispose();
