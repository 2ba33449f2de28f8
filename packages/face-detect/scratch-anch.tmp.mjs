const tf = await import("@tensorflow/tfjs-core");
await import("@tensorflow/tfjs-backend-cpu"); await tf.setBackend("cpu");
const { loadWeightsFromDisk, faceApiModelDir } = await import("./dist/face-api-weights.js");
const w = loadWeightsFromDisk(faceApiModelDir(), "ssd_mobilenetv1_model");
const a = w["Output/extra_dim"].dataSync();
const layers = [[32, 3], [16, 6], [8, 6], [4, 6], [2, 6], [1, 6]];
let i = 0;
for (const [n, k] of layers) {
  const sizes = [];
  let maxErr = 0;
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) for (let j = 0; j < k; j++, i++) {
    const [y0, x0, y1, x1] = a.slice(i * 4, i * 4 + 4);
    const cy = (y0 + y1) / 2, cx = (x0 + x1) / 2;
    maxErr = Math.max(maxErr, Math.abs(cy - (r + 0.5) / n), Math.abs(cx - (c + 0.5) / n));
    if (r === 0 && c === 0) sizes.push([(y1 - y0).toFixed(4), (x1 - x0).toFixed(4)]);
  }
  console.log(n, k, "center err", maxErr.toExponential(2), JSON.stringify(sizes));
}
console.log(i, a.length / 4);
