// Analyse a photo with the default models: find the faces, classify each face's emotion, save an annotated copy.
//   pnpm --filter fer-examples analyze-photo [photo] [annotated.png]
// Defaults: the shipped Apollo 11 crew photo (public domain, NASA) -> examples/out/apollo11_crew.annotated.png
import path from "node:path";
import { mkdir } from "node:fs/promises";
import { createPipeline, examplePhotosDir } from "@fer/pipeline";
import { decodeImage } from "@fer/preprocess/node";

const photo = path.resolve(process.argv[2] ?? path.join(examplePhotosDir(), "apollo11_crew.jpg"));
const out = path.resolve(process.argv[3] ?? path.join(import.meta.dirname, "out", "apollo11_crew.annotated.png"));

const pipeline = await createPipeline(); // fast preset: shipped CNN + fast head, Tiny face detector
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
