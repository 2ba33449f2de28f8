/**
 * Augmentation speed on real faces: `node dist/bench-augment.js [DATA_DIR] [FACES]` augments FACES training faces
 * (default 4096, from DATA_DIR, default ../shared/datasets/fer2013/train) with each preset and prints faces per second
 * on one thread (what it takes from a training step, which runs at ~150 faces/s on 2 cores for F).
 */
import { resolve } from "node:path";
import { prepareFaces } from "@fer/preprocess";
import { loadFolderDataset } from "@fer/preprocess/node";
import { AUGMENT_PRESETS, augmentFaces, augmentScratch, describeAugmentSpec, mixBatch, parseAugmentSpec } from "./augment.js";
import { augmentRandom } from "./batches.js";

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? "../../../shared/datasets/fer2013/train");
  const count = Number(process.argv[3] ?? 4096);
  const { dataset } = await loadFolderDataset(dir);
  const n = Math.min(count, dataset.count);
  const size = dataset.size;
  const faces = prepareFaces(dataset.pixels.subarray(0, n * size * size), n, { size, contrast: "none" });
  const batch = 64;
  const per = size * size;
  const specs = { ...AUGMENT_PRESETS, "detector,mixup=0.2": parseAugmentSpec("detector,mixup=0.2") };
  for (const [name, spec] of Object.entries(specs)) {
    const x = new Float32Array(batch * per);
    const t = new Float32Array(batch * 7);
    const scratch = augmentScratch(size);
    const tmpX = new Float32Array(batch * per);
    const tmpT = new Float32Array(batch * 7);
    const started = performance.now();
    for (let start = 0; start + batch <= n; start += batch) {
      x.set(faces.subarray(start * per, (start + batch) * per));
      const rand = augmentRandom(42, 1, start);
      augmentFaces(x, batch, size, spec, rand, scratch);
      mixBatch(x, t, batch, size, 7, spec, rand, tmpX, tmpT);
    }
    const seconds = (performance.now() - started) / 1000;
    const done = Math.floor(n / batch) * batch;
    process.stdout.write(`${name} (${describeAugmentSpec(spec)}): ${Math.round(done / seconds)} faces/s (${((seconds / done) * 1000).toFixed(3)} ms/face)\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
