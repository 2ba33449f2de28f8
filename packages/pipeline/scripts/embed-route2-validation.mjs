#!/usr/bin/env node
// Embeds the validation images of route 2's split of FER2013 train (stratified 10 %, seed 2026 as in
// @fer/embeddings-vggface2's route2 benchmark: the images the shipped accurate head did NOT train on) with the
// accurate preset's backbone and layer, into a @fer/heads features file.
//   node packages/pipeline/scripts/embed-route2-validation.mjs OUT [SEED=2026]
// Needs `pnpm build`; the shared data folder is ../shared unless FER_SHARED_DIR says otherwise.
import path from "node:path";
import { readFile } from "node:fs/promises";
import { stratifiedSplit, subsetDataset } from "@fer/preprocess";
import { loadFolderDataset, sharedDir } from "@fer/preprocess/node";
import { describeBackend, initBackend } from "@fer/runtime";
import { embedDataset, loadEmbedder, writeEmbeddingFeatures } from "@fer/embeddings-vggface2";

const [out, seedText = "2026"] = process.argv.slice(2);
if (!out) {
  console.error("usage: node packages/pipeline/scripts/embed-route2-validation.mjs OUT [SEED]");
  process.exit(2);
}
const models = path.join(path.dirname(new URL(import.meta.url).pathname), "../models");
const spec = JSON.parse(await readFile(path.join(models, "accurate.json"), "utf8"));
console.error(`backend: ${describeBackend(await initBackend())}`);
const { dataset } = await loadFolderDataset(path.join(sharedDir(), "datasets/fer2013/train"));
const { validation } = stratifiedSplit(dataset.labels, { fraction: 0.1, seed: Number(seedText) });
const val = subsetDataset(dataset, validation);
const embedder = await loadEmbedder(spec.backbone, { layer: spec.layer });
try {
  const [emb] = await embedDataset(embedder, val, { layers: [spec.layer], label: `${spec.backbone} validation (seed ${seedText})`, batchSize: 32 });
  const { json } = await writeEmbeddingFeatures(out, emb, `${spec.backbone}@${spec.layer}, fer2013/train validation split seed ${seedText}`);
  console.log(`${val.count} faces -> ${json}`);
} finally {
  embedder.dispose();
}
