import sharp from "sharp";
const ids = process.argv.slice(3);
const out = process.argv[2];
const tiles = ids.map((id,k)=>({input:"/work/shared/datasets/fer2013/train/"+id, left:(k%8)*100, top:Math.floor(k/8)*100}));
const resized = await Promise.all(tiles.map(async t=>({...t, input: await sharp(t.input).resize(96,96).png().toBuffer()})));
await sharp({create:{width:800,height:Math.ceil(ids.length/8)*100,channels:3,background:"#f00"}}).composite(resized).png().toFile(out);
