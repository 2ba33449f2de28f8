import { loadFolderDataset } from "./dist/node/index.js";
let t = performance.now();
const r = await loadFolderDataset("/work/shared/datasets/fer2013/train", {});
console.log("cold", r.fromCache, ((performance.now()-t)/1000).toFixed(2), "s", r.dataset.count, r.problems.length, r.cacheFile, r.cacheError);
t = performance.now();
const r2 = await loadFolderDataset("/work/shared/datasets/fer2013/train", {});
console.log("cached", r2.fromCache, (performance.now()-t).toFixed(0), "ms");
