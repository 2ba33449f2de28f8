// Records the shipped CNN's outputs (dense1, dense2, scores) on real faces, on both engines, as the reference that
// test/reference-outputs.test.ts compares every later loader with. Run ONCE, with the code before the change it
// guards (commit b61f769: the tfjs-layers loader, `tfjsForward` and `layersModelToOnnx(LayersModel)`), after
// `pnpm --filter @fer/cnn build`; re-running it with newer code would compare that code with itself.
//   node packages/cnn/scripts/reference-outputs.mjs
// Faces: the boxes the default detector (yunet, onnxruntime) finds in three shared photos (stored, so that the test
// needs no detector), each cut square with a 10% margin, then the first PER_CLASS images of each class of FER2013
// train (read from ../shared at test time, as every test does: the faces are not copied into the repository).
// Writes test/fixtures/reference-outputs.json (boxes, file names, shapes) and reference-outputs.bin (float32, little
// endian: for each engine in ENGINES order, for each output in OUTPUTS order, [faces, width] row-major).
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { defaultCnnDir, loadCnn } from "../dist/index.js";
import { createDetector } from "../../face-detect/dist/index.js";
import { cropBox, prepareFaceBytes } from "../../preprocess/dist/index.js";
import { decodeImage, loadFolderDataset } from "../../preprocess/dist/node/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const shared = resolve(process.env.FER_SHARED_DIR ?? join(repo, "../shared"));
const PHOTOS = ["apollo11_crew.jpg", "obama_family_2011.jpg", "women_on_phones.jpg"];
const PER_CLASS = 4;
const ENGINES = ["onnxruntime", "tfjs"];
const OUTPUTS = ["dense1", "dense2", "scores"];
const MARGIN = 0.1;

const detector = await createDetector("yunet");
const photoFaces = [];
const blocks = [];
for (const photo of PHOTOS) {
  const img = await decodeImage(join(shared, "photos", photo));
  for (const d of await detector.detect(img)) {
    const box = { x: d.x, y: d.y, width: d.width, height: d.height };
    photoFaces.push({ photo, box });
    blocks.push(prepareFaceBytes(cropBox(img, box, { margin: MARGIN, square: true }), { size: 48, contrast: "none", pixelScale: "raw" }).data);
  }
}
detector.dispose();
const trainDir = join(shared, "datasets/fer2013/train");
const { dataset } = await loadFolderDataset(trainDir, { cache: false, perClass: PER_CLASS });
const ferFiles = dataset.ids ?? [];
const count = photoFaces.length + dataset.count;
const pixels = new Uint8Array(count * 48 * 48);
blocks.forEach((b, i) => pixels.set(b, i * 48 * 48));
pixels.set(dataset.pixels, photoFaces.length * 48 * 48);

const parts = [];
const widths = {};
for (const engine of ENGINES) {
  const cnn = await loadCnn(defaultCnnDir(), { engine });
  if (cnn.engine !== engine) throw new Error(`asked for ${engine}, got ${cnn.engine}`);
  for (const out of OUTPUTS) {
    const values = out === "scores" ? await cnn.scores(pixels, count) : await cnn.features(pixels, count, out);
    widths[out] = values.length / count;
    parts.push(values);
  }
  cnn.dispose();
}
const bin = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repo, encoding: "utf8" }).trim();
await mkdir(join(here, "../test/fixtures"), { recursive: true });
const meta = { model: "fer2013-f-mirror", commit, margin: MARGIN, photoFaces, fer2013Train: { perClass: PER_CLASS, files: ferFiles }, engines: ENGINES, outputs: OUTPUTS, widths, count };
await writeFile(join(here, "../test/fixtures/reference-outputs.bin"), bin);
await writeFile(join(here, "../test/fixtures/reference-outputs.json"), `${JSON.stringify(meta, null, 1)}\n`);
console.log(`${count} faces (${photoFaces.length} from photos, ${dataset.count} FER2013 train), ${bin.length} bytes, commit ${commit}`);
