import fs from "node:fs";
import path from "node:path";
const root="/work/shared/datasets/fer2013/train";
for (let k=0;k<2;k++){
let t=performance.now(); const files=[];
for (const c of fs.readdirSync(root)) for (const f of fs.readdirSync(path.join(root,c),{withFileTypes:true})) files.push(path.join(root,c,f.name));
const t1=performance.now()-t; t=performance.now();
for (const f of files) fs.statSync(f);
const t2=performance.now()-t; t=performance.now();
for (const f of files) fs.statSync(f,{bigint:false, throwIfNoEntry:false});
const t3=performance.now()-t;
console.log("list",t1.toFixed(0),"stat",t2.toFixed(0), t3.toFixed(0));
}
