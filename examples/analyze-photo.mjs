// Analyse a photo with the shipped models: find the faces, classify each face's emotion, save an annotated copy.
//   pnpm --filter fer-examples analyze-photo [photo] [annotated.png] [--preset fast|accurate]
// Defaults: the shipped Apollo 11 crew photo (public domain, NASA) -> examples/out/apollo11_crew.annotated.png, with
// the fast preset (shipped CNN + fast head); accurate = pretrained face-network features + SVM (slower; better on the rare classes, see @fer/pipeline's README).
import path from "node:path";
import { mkdir } from "node:fs/promises";
import { parseArgs } from "node:util";
import { createPipeline, examplePhotosDir } from "@fer/pipeline";
import { decodeImage } from "@fer/preprocess/node";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { preset: { type: "string", default: "fast" } } });
const photo = path.resolve(positionals[0] ?? path.join(examplePhotosDir(), "apollo11_crew.jpg"));
const out = path.resolve(positionals[1] ?? path.join(import.meta.dirname, "out", "apollo11_crew.annotated.png"));

const pipeline = await createPipeline({ preset: values.preset }); // Tiny face detector by default
try {
  const image = await decodeImage(photo);
  const result = await pipeline.analyzeImage(image, photo);
  console.log(`${path.basename(photo)}: ${result.faces.length} face(s) [${result.models.featuriser}; head ${result.models.head}]`);
  for (const face of result.faces) {
    const { x, y, width, height } = face.box;
    console.log(`  ${face.emotion.padEnd(8)} ${(face.confidence * 100).toFixed(0).padStart(3)}%  box ${x},${y} ${width}x${height}`);
  }
  await mkdir(path.dirname(out), { recursive: true });
  await pipeline.saveAnnotated(image, result, out);
  console.log(`annotated photo: ${out}`);
} finally {
  pipeline.dispose();
}
