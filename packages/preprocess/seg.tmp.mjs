import fs from "node:fs";
import path from "node:path";
const root="/work/shared/datasets/fer2013/train";
const stats=new Map();
let n=0;
for (const c of fs.readdirSync(root)) for (const f of fs.readdirSync(path.join(root,c))) {
  const b=fs.readFileSync(path.join(root,c,f)); n++;
  let i=2; const segs=[];
  while(i<b.length){ if(b[i]!==0xff){segs.push("??");break;} const m=b[i+1]; if(m===0xd9){segs.push("EOI");break;} const len=b.readUInt16BE(i+2); let name=m.toString(16); if(m===0xc0) name+=`(nf=${b[i+9]},p=${b[i+4]})`; if (m===0xdd) name+=`(ri=${b.readUInt16BE(i+4)})`; segs.push(name); if(m===0xda){ // skip entropy data
      let j=i+2+len; while(j<b.length-1 && !(b[j]===0xff && b[j+1]!==0 && !(b[j+1]>=0xd0&&b[j+1]<=0xd7))) j++; i=j; continue;} i+=2+len; }
  const k=segs.join(" "); stats.set(k,(stats.get(k)||0)+1);
}
console.log(n, stats);
