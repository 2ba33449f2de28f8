import { decodeBaselineGrayJpeg } from "/tmp/jg.mjs";
import sharp from "sharp";
const w=37,h=23; const px=Buffer.alloc(w*h); for(let i=0;i<px.length;i++) px[i]=(i*7)&255;
const buf = await sharp(px,{raw:{width:w,height:h,channels:1}}).jpeg({quality:90}).toBuffer();
let i=2; while(i<buf.length){ const m=buf[i+1]; const len=buf.readUInt16BE(i+2); console.log(m.toString(16), len); if(m===0xda) break; i+=2+len; }
decodeBaselineGrayJpeg(buf);
