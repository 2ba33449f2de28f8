import { loadFolderDataset } from "@fer/preprocess/node";
import { trainCnn } from "/work/main/packages/cnn/dist/index.js";
import { limitPerClass } from "/work/main/packages/cnn/dist/cli.js";
const { dataset } = await loadFolderDataset("/work/shared/datasets/fer2013/train");
const small = limitPerClass(dataset, 400);
const arch = process.argv[2] ?? "A";
const r = await trainCnn(small, { architecture: arch, outDir: "/tmp/sanity-" + arch, epochs: Number(process.argv[3] ?? 4), batchSize: 64, mirror: false, progress: false, seed: 1, onEpoch: (e) => console.log(JSON.stringify(e)) });
process.exit(0);
