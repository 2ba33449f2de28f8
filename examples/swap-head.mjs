// Swap the head: fit a kNN (or SVM) head on CNN features of a labelled folder and plug it into the pipeline.
//   node swap-head.mjs --data DIR [--per-class N] [--kind knn|svm] [--cnn DIR] [--photo FILE] [--head-out FILE]
// DIR is a folder <class>/<image> (e.g. FER2013's train folder); only the first N images of each class are read
// (default 300). Defaults: a kNN head, the shipped CNN, the head saved to ./out/<kind>-head.json (relative to the
// current folder).
import path from "node:path";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { cnnFeaturiserId, loadCnn } from "@fer/cnn";
import { createHead } from "@fer/heads";
import { saveHead } from "@fer/heads/node";
import { createPipeline, examplePhotosDir, findDefaultCnn } from "@fer/pipeline";
import { loadFolderDataset } from "@fer/preprocess/node";

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    "per-class": { type: "string", default: "300" },
    kind: { type: "string", default: "knn" },
    cnn: { type: "string" },
    photo: { type: "string", default: path.join(examplePhotosDir(), "obama_family_2011.jpg") },
    "head-out": { type: "string" },
  },
});
if (values.data === undefined) throw new Error("swap-head: pass --data DIR, a labelled folder <class>/<image> (e.g. FER2013's train folder)");
const dataDir = path.resolve(values.data);
if (!existsSync(dataDir)) throw new Error(`swap-head: --data ${dataDir} does not exist (a labelled folder <class>/<image>)`);
const perClass = Number(values["per-class"]);
if (!Number.isInteger(perClass) || perClass < 1) throw new Error(`swap-head: --per-class must be a positive integer, got ${values["per-class"]}`);
const cnnDir = values.cnn ?? (await findDefaultCnn()).dir;
if (!cnnDir) throw new Error("no CNN shipped yet: pass --cnn DIR (a folder written by fer train) or set FER_CNN_DIR");

// 1. Features of a labelled folder: the CNN's first 64-unit Dense layer (the study's best layer for a swapped head).
const cnn = await loadCnn(cnnDir);
const { dataset: data } = await loadFolderDataset(dataDir, { size: cnn.card.preprocess.size, perClass });
const layer = "dense1";
const features = await cnn.features(data.pixels, data.count, layer);

// 2. Fit the head and save it with the id of the CNN and layer its features came from: the pipeline refuses the head
//    with any other CNN (a head fitted on one CNN's features classifies noise on another's).
const head = await createHead(values.kind, values.kind === "knn" ? { k: 15 } : {}).fit({ rows: data.count, cols: 64, data: features }, data.labels, { classes: data.classes });
const headFile = path.resolve(values["head-out"] ?? path.join("out", `${values.kind}-head.json`));
await saveHead(head, headFile, { featuriser: cnnFeaturiserId(cnn.card, layer) });
console.log(`${values.kind} head fitted on ${data.count} images of ${dataDir}, saved to ${headFile}`);

// 3. Plug it in: only the head changes (the pipeline checks it fits the CNN's features).
const pipeline = await createPipeline({ cnn, head: headFile });
const result = await pipeline.analyze(values.photo);
console.log(`${path.basename(values.photo)}: ${result.faces.map((f) => `${f.emotion} ${(f.confidence * 100).toFixed(0)}%`).join(", ") || "no face"} [head ${result.models.head}]`);
pipeline.dispose();
head.dispose();
cnn.dispose();
