/**
 * Embeds FER2013 train and test (../shared/datasets/fer2013) with one backbone at several layers, into the
 * resumable embedding cache. Usage: node dist/bench/embed-splits.js <backbone> <layer,layer,...> [weights]
 */
import path from "node:path";
import { describeBackend, initBackend } from "@fer/runtime";
import { loadFolderDataset } from "@fer/preprocess/node";
import { loadEmbedder } from "../backbones.js";
import { embedDataset } from "../dataset-embedding.js";
import { sharedDir } from "@fer/preprocess/node";

const [backbone = "faceapi-resnet34", layerList = "descriptor", weights] = process.argv.slice(2);
const layers = layerList.split(",");
console.log(`backend: ${describeBackend(await initBackend())}`);
const embedder = await loadEmbedder(backbone, { layer: layers[0]!, ...(weights ? { weights } : {}) });
for (const split of ["test", "train"]) {
  const { dataset } = await loadFolderDataset(path.join(sharedDir(), "datasets/fer2013", split));
  const res = await embedDataset(embedder, dataset, { layers, label: `${backbone} ${split}`, batchSize: 32 });
  console.log(`${split}: ${dataset.count} faces, ${res[0]!.cachedFaces} cached, ${res[0]!.computeSeconds.toFixed(1)} s computing`);
}
embedder.dispose();
