import { initBackend } from "@fer/cnn/backend";
import { loadFolderDataset } from "@fer/preprocess/node";
import { SvmHead } from "@fer/heads";
import { loadEmbedder, embedDataset } from "./dist/index.js";
await initBackend();
const { dataset } = await loadFolderDataset("/work/shared/datasets/fer2013/test");
const e = await loadEmbedder("faceapi-resnet34");
for (const layer of ["descriptor", "block128-grid2"]) {
  const [r] = await embedDataset(e, dataset, { layers: [layer], progress: false });
  console.log(layer, r.cachedFaces);
  for (const n of [1000, 2000]) {
    const d = r.features.cols; const step = Math.floor(dataset.count / n);
    const data = new Float32Array(n * d); const y = new Uint8Array(n);
    for (let k = 0; k < n; k++) { const i = k * step; data.set(r.features.data.subarray(i * d, (i + 1) * d), k * d); y[k] = r.labels[i]; }
    const h = new SvmHead({ C: 10, gamma: "scale", probability: false });
    const t0 = performance.now(); await h.fit({ rows: n, cols: d, data }, y);
    const t1 = performance.now(); h.predict({ rows: n, cols: d, data }); const t2 = performance.now();
    console.log(layer, n, "fit s", ((t1 - t0) / 1000).toFixed(1), "predict s", ((t2 - t1) / 1000).toFixed(1), "json MB", (JSON.stringify(h.toJSON()).length / 1e6).toFixed(2));
    h.dispose();
  }
}
