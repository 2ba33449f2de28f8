import { decodeBaselineGrayJpeg } from "./dist/index.js";
import sharp from "sharp";
import fs from "node:fs";
import path from "node:path";
const root = process.argv[2];
const files=[]; for (const c of fs.readdirSync(root)) for (const f of fs.readdirSync(path.join(root,c))) files.push(path.join(root,c,f));
const step = Number(process.argv[3] ?? 1);
let ok=0, bail=0, mismatch=0, t=0;
for (let k=0;k<files.length;k+=step) {
  const b=fs.readFileSync(files[k]);
  const t0=performance.now(); const img=decodeBaselineGrayJpeg(b); t+=performance.now()-t0;
  if(!img){bail++; if (bail<5) console.log("bail", files[k]); continue;}
  const ref=await sharp(b).toColourspace("b-w").raw().toBuffer();
  let d=0; for(let i=0;i<ref.length;i++) if(ref[i]!==img.data[i]) d++;
  if(d){mismatch++; if(mismatch<5) console.log("mismatch", files[k], d);} else ok++;
}
console.log({ok,bail,mismatch, msPerImage: t/(ok+bail+mismatch)});
