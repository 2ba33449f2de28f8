import { loadFolderDataset } from "./dist/node/index.js";
const { dataset: ds } = await loadFolderDataset("/work/shared/datasets/fer2013/train", {});
const n=2304, S=48;
function feats(p){
  const h=new Int32Array(256); for (const v of p) h[v]++;
  let mode=0; for(let v=1;v<256;v++) if(h[v]>h[mode]) mode=v;
  const near=(c,t)=>{let s=0; for(let v=Math.max(0,c-t);v<=Math.min(255,c+t);v++) s+=h[v]; return s/n;};
  const nearMode=near(mode,6);
  // second peak at least 40 away
  let m2=-1; for(let v=0;v<256;v++) if(Math.abs(v-mode)>40 && (m2<0||h[v]>h[m2])) m2=v;
  const two = nearMode + near(m2,6);
  let flat=0; for(let y=1;y<S-1;y++) for(let x=1;x<S-1;x++){const i=y*S+x; const v=p[i]; if(Math.abs(p[i+1]-v)<=1&&Math.abs(p[i-1]-v)<=1&&Math.abs(p[i+S]-v)<=1&&Math.abs(p[i-S]-v)<=1) flat++;}
  let mid=0; for(let v=48;v<208;v++) mid+=h[v];
  return {mode:h[mode]/n, nearMode, two, flat:flat/(46*46), mid:mid/n};
}
const all=[]; for(let i=0;i<ds.count;i++) all.push([feats(ds.pixels.subarray(i*n,(i+1)*n)), i]);
const cand = all.filter(([f])=>f.mode>=0.3 && f.mode<1).sort((a,b)=>b[0].mode-a[0].mode);
const P=new Set([...Array(20).keys(),21,23,24,25,35,51,57,67]);
cand.forEach(([f,i],k)=>console.log(k, P.has(k)?"P":"F", Object.values(f).map(x=>x.toFixed(2)).join(" "), ds.ids[i]));
// global distribution for 'two' and 'mid'
for (const th of [0.95,0.9,0.85,0.8]) console.log("two>=",th, all.filter(([f])=>f.two>=th && f.mode<1).length);
for (const th of [0.05,0.1,0.15,0.2]) console.log("mid<=",th, all.filter(([f])=>f.mid<=th && f.mode<1).length);
const candIds = new Set(cand.map(([f,i])=>i));
const C = all.filter(([f])=>f.mode<1 && f.nearMode>=0.7);
const D = all.filter(([f])=>f.mode>=0.3 && f.mid<=0.15);
const E = all.filter(([f])=>f.mode>=0.3 && f.two>=0.82);
console.log("C",C.length,"D",D.length,"E",E.length);
const extra = [...C, ...E, ...D].filter(([f,i])=>!candIds.has(i));
console.log("extra", extra.map(([f,i])=>ds.ids[i]+" "+Object.values(f).map(x=>x.toFixed(2)).join(" ")));
const { execFileSync } = await import("node:child_process");
if (extra.length) execFileSync("node", ["mont.tmp.mjs", "/tmp/m3.png", ...extra.map(([f,i])=>ds.ids[i])]);
