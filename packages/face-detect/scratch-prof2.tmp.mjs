const { decodeImage } = await import("@fer/preprocess/node");
const { resize } = await import("@fer/preprocess");
const { squareNetworkInput } = await import("./dist/network-input.js");
for (const f of ["obama_family_2011.jpg", "european_council_2011.jpg"]) {
const img0 = await decodeImage("/work/shared/photos/" + f);
const img = f.startsWith("obama") ? resize(img0, 1024, 683, { method: "bilinear" }) : img0;
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  for (let i = 0; i < 5; i++) squareNetworkInput(img, 512, [127.5, 127.5, 127.5], 1 / 127.5);
  console.log(img.width, "fused", ((performance.now() - t) / 5).toFixed(1));
}
const a = squareNetworkInput(img, 512, [0,0,0], 1);
const p = a.placement; const ref = resize(img, p.width, p.height, { method: "area" });
let maxd = 0; for (let y = 0; y < p.height; y++) for (let x = 0; x < p.width; x++) for (let c = 0; c < 3; c++) maxd = Math.max(maxd, Math.abs(a.data[(y*512+x)*3+c] - ref.data[(y*p.width+x)*3+c]));
console.log("max diff vs preprocess resize", maxd);
}
