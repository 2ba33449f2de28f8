import { decodeBaselineGrayJpeg } from "./dist/index.js";
import fs from "node:fs";
import path from "node:path";
const root = "/work/shared/datasets/fer2013/train/happy";
const bufs = fs.readdirSync(root).map(f=>fs.readFileSync(path.join(root,f)));
for (let r=0;r<3;r++){ const t=performance.now(); for (const b of bufs) decodeBaselineGrayJpeg(b); console.log((performance.now()-t)/bufs.length, "ms/img"); }
