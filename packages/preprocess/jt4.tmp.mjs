import { decodeBaselineGrayJpeg } from "./dist/index.js";
import sharp from "sharp";
import fs from "node:fs";
import path from "node:path";
const root = "/work/shared/datasets/fer2013/train/happy";
const bufs = fs.readdirSync(root).slice(0,2000).map(f=>fs.readFileSync(path.join(root,f)));
for (let r=0;r<3;r++){
  let t=performance.now(); for (const b of bufs) decodeBaselineGrayJpeg(b); const js=(performance.now()-t)/bufs.length;
  t=performance.now(); let i=0; async function w(){ while(i<bufs.length){ await sharp(bufs[i++]).toColourspace("b-w").raw().toBuffer(); } } await Promise.all([w(),w(),w(),w()]); const sh=(performance.now()-t)/bufs.length;
  console.log(`js ${js.toFixed(3)} ms/img, sharp(4 in flight) ${sh.toFixed(3)} ms/img`);
}
