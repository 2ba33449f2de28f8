import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const tf = await import("@tensorflow/tfjs-core");
await import(require.resolve("../cnn/node_modules/@tensorflow/tfjs-backend-wasm"));
await tf.setBackend("wasm"); await tf.ready();
// plain mobilenet-ish cost probe: one 1x1 conv 512ch at 32x32 etc
for (const S of [512, 384, 320]) {
  const x = tf.randomUniform([1, S, S, 3]);
  const f0 = tf.randomUniform([3, 3, 3, 32]);
  let t = performance.now();
  for (let i = 0; i < 5; i++) { const y = tf.conv2d(x, f0, 2, "same"); y.dataSync(); y.dispose(); }
  console.log(S, "conv0", ((performance.now() - t) / 5).toFixed(1));
}
const x = tf.randomUniform([1, 32, 32, 512]);
const f = tf.randomUniform([1, 1, 512, 512]);
let t = performance.now();
for (let i = 0; i < 10; i++) { const y = tf.conv2d(x, f, 1, "same"); y.dataSync(); y.dispose(); }
const ms = (performance.now() - t) / 10;
console.log("1x1 512->512 @32x32", ms.toFixed(1), "ms", (32*32*512*512*2/ms/1e6).toFixed(1), "GFLOPS");
