import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
const require = createRequire(import.meta.url);
const tf = await import("@tensorflow/tfjs-core");
await import("@tensorflow/tfjs-backend-cpu");
const backend = process.argv[2] ?? "cpu";
if (backend === "wasm") {
  const wasmPath = require.resolve("../cnn/node_modules/@tensorflow/tfjs-backend-wasm");
  await import(wasmPath);
}
await tf.setBackend(backend); await tf.ready();
console.log("backend", tf.getBackend());
const dir = path.join(path.dirname(require.resolve("@vladmandic/face-api/package.json")), "model");
function load(name) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, name + "-weights_manifest.json"), "utf8"));
  const out = {};
  for (const g of manifest) {
    const bufs = g.paths.map((p) => fs.readFileSync(path.join(dir, p)));
    const b = Buffer.concat(bufs);
    const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    Object.assign(out, tf.io.decodeWeights(ab, g.weights));
  }
  return out;
}
const W = load("ssd_mobilenetv1_model");
const eps = 0.0010000000474974513;
const M = "MobilenetV1/";
function pw(x, pfx, stride) {
  return tf.fused.conv2d({ x, filter: W[pfx + "/weights"], strides: stride, pad: "same", bias: W[pfx + "/convolution_bn_offset"], activation: "relu6" });
}
// fold bn into depthwise
const dw = {};
for (let i = 1; i <= 13; i++) {
  const p = `${M}Conv2d_${i}_depthwise/`;
  const f = tf.tidy(() => {
    const k = tf.div(W[p + "BatchNorm/gamma"], tf.sqrt(tf.add(W[p + "BatchNorm/moving_variance"], eps)));
    const filt = tf.mul(W[p + "depthwise_weights"], tf.reshape(k,[1, 1, -1, 1]));
    const bias = tf.sub(W[p + "BatchNorm/beta"], tf.mul(W[p + "BatchNorm/moving_mean"], k));
    return [filt, bias];
  });
  dw[i] = f;
}
const strides2 = new Set([2, 4, 6, 12]);
function forward(x) {
  return tf.tidy(() => {
    let out = pw(x, `${M}Conv2d_0_pointwise`, 2);
    let conv11;
    for (let i = 1; i <= 13; i++) {
      out = tf.fused.depthwiseConv2d({ x: out, filter: dw[i][0], strides: strides2.has(i) ? 2 : 1, pad: "same", bias: dw[i][1], activation: "relu6" });
      out = pw(out, `${M}Conv2d_${i}_pointwise`, 1);
      if (i === 11) conv11 = out;
    }
    const c = [];
    let h = out;
    for (let i = 0; i < 8; i++) { h = pw(h, `Prediction/Conv2d_${i}_pointwise`, i % 2 === 1 ? 2 : 1); c.push(h); }
    const feats = [conv11, out, c[1], c[3], c[5], c[7]];
    const boxes = [], cls = [];
    feats.forEach((f, i) => {
      const p = `Prediction/BoxPredictor_${i}/`;
      boxes.push(tf.reshape(tf.fused.conv2d({ x: f, filter: W[p + "BoxEncodingPredictor/weights"], strides: 1, pad: "same", bias: W[p + "BoxEncodingPredictor/biases"] }), [-1, 4]));
      cls.push(tf.reshape(tf.fused.conv2d({ x: f, filter: W[p + "ClassPredictor/weights"], strides: 1, pad: "same", bias: W[p + "ClassPredictor/biases"] }), [-1, 3]));
    });
    return [tf.concat(boxes, 0), tf.concat(cls, 0)];
  });
}
const anchors = W["Output/extra_dim"].dataSync();
const file = process.argv[3] ?? "/work/shared/photos/obama_family_2011.jpg";
const { data, info } = await sharp(file).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
const S = 512; const k = S / Math.max(info.width, info.height);
const x = tf.tidy(() => {
  let t = tf.tensor3d(new Float32Array(data), [info.height, info.width, 3], "float32");
  const nh = Math.round(info.height * k), nw = Math.round(info.width * k);
  t = tf.image.resizeBilinear(t, [nh, nw]);
  t = tf.pad(t, [[0, S - nh], [0, S - nw], [0, 0]]);
  return tf.expandDims(tf.sub(tf.div(t, 127.5), 1), 0);
});
for (let r = 0; r < 6; r++) {
  const t0 = performance.now();
  const [b, c] = forward(x);
  const bd = b.dataSync(), cd = c.dataSync();
  b.dispose(); c.dispose();
  const t1 = performance.now();
  if (r === 0 || r === 5) {
    const dets = [];
    for (let i = 0; i < 5118; i++) {
      const s = 1 / (1 + Math.exp(-cd[i * 3 + 1]));
      if (s < 0.5) continue;
      const a = anchors.subarray(i * 4, i * 4 + 4);
      const ha = a[2] - a[0], wa = a[3] - a[1], yc = a[0] + ha / 2, xc = a[1] + wa / 2;
      const cy = bd[i * 4] / 10 * ha + yc, cx = bd[i * 4 + 1] / 10 * wa + xc;
      const h = Math.exp(bd[i * 4 + 2] / 5) * ha, w = Math.exp(bd[i * 4 + 3] / 5) * wa;
      const L = Math.max(info.width, info.height);
      dets.push({ s: s.toFixed(3), x: Math.round((cx - w / 2) * L), y: Math.round((cy - h / 2) * L), w: Math.round(w * L), h: Math.round(h * L) });
    }
    dets.sort((a, b) => b.s - a.s);
    console.log(info.width, info.height, dets.length, JSON.stringify(dets.slice(0, 12)));
  }
  console.log("ms", (t1 - t0).toFixed(1));
}
console.log(tf.memory().numTensors);
