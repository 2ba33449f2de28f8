import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const tf = await import("@tensorflow/tfjs-core");
const be = process.argv[2] ?? "wasm";
if (be === "wasm") await import(require.resolve("../cnn/node_modules/@tensorflow/tfjs-backend-wasm"));
await tf.setBackend(be); await tf.ready();
const { createDetector } = await import("./dist/index.js");
const { toSquareInput } = await import("./dist/dnn-input.js");
const { decodeImage } = await import("@fer/preprocess/node");
const { resize } = await import("@fer/preprocess");
const img0 = await decodeImage("/work/shared/photos/obama_family_2011.jpg");
const img = resize(img0, 1024, Math.round(img0.height * 1024 / img0.width), { method: "bilinear" });
console.log(img.width, img.height);
let t = performance.now();
for (let i = 0; i < 5; i++) toSquareInput(img, 512, [0,0,0], 1).tensor.dispose();
console.log("toSquareInput 512", ((performance.now() - t) / 5).toFixed(1));
for (const [name, opts] of [["ssd-mobilenet-v1", {}], ["ssd-mobilenet-v1", { inputSize: 384 }], ["ssd-mobilenet-v1", { inputSize: 320 }], ["tiny-face", {}]]) {
  const d = await createDetector(name, opts);
  let dets = await d.detect(img);
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) dets = await d.detect(img);
  console.log(name, JSON.stringify(opts), ((performance.now() - t0) / 5).toFixed(1), "ms", JSON.stringify(dets.map(b => [b.x, b.y, b.width, b.height, +(b.score ?? 0).toFixed(2)])));
  d.dispose();
}
