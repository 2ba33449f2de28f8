const { decodeImage } = await import("@fer/preprocess/node");
const { resize } = await import("@fer/preprocess");
const img0 = await decodeImage("/work/shared/photos/obama_family_2011.jpg");
const img = resize(img0, 1024, 683, { method: "bilinear" });
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  for (let i = 0; i < 5; i++) resize(img, 512, 341, { method: "area" });
  console.log("resize area", ((performance.now() - t) / 5).toFixed(1));
  t = performance.now();
  const d = new Float32Array(512 * 512 * 3);
  for (let i = 0; i < 5; i++) for (let q = 0; q < d.length; q++) d[q] = (q % 255 - 127.5) / 127.5;
  console.log("fill", ((performance.now() - t) / 5).toFixed(1));
}
