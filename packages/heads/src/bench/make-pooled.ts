import { loadPooledPixels } from "./pooled-pixels.js";
for (const split of ["train", "test"] as const) {
  const t = performance.now();
  const s = await loadPooledPixels(split);
  console.log(split, s.features.rows, s.features.cols, ((performance.now() - t) / 1000).toFixed(1) + " s");
}
