import { loadFolderDataset, readDatasetCache } from "./dist/node/index.js";
import fs from "node:fs";
for (let k=0;k<3;k++){
let t = performance.now();
const r2 = await loadFolderDataset("/work/shared/datasets/fer2013/train", {});
console.log("cached", r2.fromCache, (performance.now()-t).toFixed(0), "ms");
}
let t = performance.now();
const b = fs.readFileSync("/work/main/.cache/fer/folder-b06d96fe3ee576b5.bin");
console.log("read", (performance.now()-t).toFixed(0), b.length);
t = performance.now();
const len=b.readUInt32LE(8); const h=JSON.parse(b.toString("utf8",12,12+len));
console.log("json", (performance.now()-t).toFixed(0));
