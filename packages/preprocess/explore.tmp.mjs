import { loadFolderDataset } from "./dist/node/index.js";
import { createHash } from "node:crypto";
const { dataset: ds } = await loadFolderDataset("/work/shared/datasets/fer2013/train", {});
const n = 48*48;
const stds=[], modes=[], rows=[];
const hashes = new Map();
let dups=0, dupConflict=0;
for (let i=0;i<ds.count;i++){
  const p = ds.pixels.subarray(i*n,(i+1)*n);
  let s=0,s2=0; const h=new Int32Array(256);
  for (const v of p){s+=v;s2+=v*v;h[v]++;}
  const mean=s/n, std=Math.sqrt(s2/n-mean*mean);
  let mx=0; for (const c of h) mx=Math.max(mx,c);
  stds.push([std,i]); modes.push([mx/n,i]);
  // fraction of identical rows
  const key=createHash("md5").update(p).digest("hex");
  if (hashes.has(key)) { dups++; const j=hashes.get(key); if (ds.labels[j]!==ds.labels[i]) dupConflict++; } else hashes.set(key,i);
}
stds.sort((a,b)=>a[0]-b[0]); modes.sort((a,b)=>b[0]-a[0]);
console.log("lowest std", stds.slice(0,25).map(([s,i])=>`${ds.ids[i]}:${s.toFixed(2)}`).join(" "));
console.log("std hist", [0,1,2,3,5,8,10,15].map(th=>`${th}:${stds.filter(x=>x[0]<th).length}`).join(" "));
console.log("mode frac", [0.99,0.9,0.8,0.6,0.5,0.4,0.3].map(th=>`${th}:${modes.filter(x=>x[0]>=th).length}`).join(" "));
console.log("top modes", modes.slice(0,25).map(([s,i])=>`${ds.ids[i]}:${s.toFixed(2)}`).join(" "));
console.log("dups", dups, "conflicting labels", dupConflict, "unique", hashes.size);
import { execFileSync } from "node:child_process";
const sel = modes.filter(x=>x[0]>=0.3 && x[0] < 1).map(([f,i])=>ds.ids[i]);
console.log(modes.filter(x=>x[0]>=0.3 && x[0] < 1).map(([f,i],k)=>`${k}:${f.toFixed(2)}`).join(" "));
execFileSync("node", ["mont.tmp.mjs", "/tmp/m2.png", ...sel]);
