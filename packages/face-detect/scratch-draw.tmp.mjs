import { createRequire } from "node:module";
import sharp from "sharp";
const require = createRequire(import.meta.url);
const tf = await import("@tensorflow/tfjs-core");
await import(require.resolve("../cnn/node_modules/@tensorflow/tfjs-backend-wasm"));
await tf.setBackend("wasm"); await tf.ready();
const { createDetector } = await import("./dist/index.js");
const { decodeImage } = await import("@fer/preprocess/node");
const file = process.argv[2];
const img = await decodeImage(file);
const colors = { haar: "red", "tiny-face": "yellow", "ssd-mobilenet-v1": "lime" };
let rects = "";
for (const name of (process.argv[3] ?? "haar,tiny-face,ssd-mobilenet-v1").split(",")) {
  const d = await createDetector(name);
  const dets = await d.detect(img);
  console.log(name, dets.length, JSON.stringify(dets.slice(0, 8)));
  for (const b of dets) rects += `<rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" fill="none" stroke="${colors[name]}" stroke-width="${Math.max(2, img.width / 300)}"/>`;
  d.dispose();
}
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height}">${rects}</svg>`;
await sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } }).composite([{ input: Buffer.from(svg) }]).png().toBuffer().then((b) => sharp(b).resize({ width: 1000 }).png().toFile(process.argv[4] ?? "/tmp/fd-draw.png"));
