// A strict TypeScript app against the packed fer packages' public types. scripts/consumer-test.mjs type-checks it
// (tsconfig.json here: strict, module and moduleResolution NodeNext, and NO skipLibCheck: our published .d.ts files,
// and every type they pull in, must check in a user's project).
import { defaultCnnDir, loadCnn, type FerCnn } from "@fer/cnn";
import { createHead, type Head } from "@fer/heads";
import { createPipeline, type AnalysisResult, type FaceResult, type Pipeline, type PipelineOptions } from "@fer/pipeline";
import { decodeImage, loadFolderDataset, type Image } from "@fer/preprocess/node";

export async function analyse(photo: string, out: string): Promise<AnalysisResult> {
  const options: PipelineOptions = { preset: "fast" };
  const pipeline: Pipeline = await createPipeline(options);
  try {
    const image: Image = await decodeImage(photo);
    const result = await pipeline.analyzeImage(image, photo);
    const faces: readonly FaceResult[] = result.faces;
    for (const face of faces) {
      const { x, y, width, height } = face.box;
      const score: number = face.confidence;
      console.log(face.emotion, score.toFixed(2), x, y, width, height);
    }
    await pipeline.saveAnnotated(image, result, out);
    return result;
  } finally {
    pipeline.dispose();
  }
}

export async function swapHead(labelled: string, photo: string): Promise<string> {
  const cnn: FerCnn = await loadCnn(defaultCnnDir());
  const { dataset } = await loadFolderDataset(labelled, { size: cnn.card.preprocess.size, cache: false });
  const features: Float32Array = await cnn.features(dataset.pixels, dataset.count, "dense1");
  const head: Head = await createHead("knn", { k: 5 }).fit({ rows: dataset.count, cols: features.length / dataset.count, data: features }, dataset.labels, {
    classes: dataset.classes,
  });
  const pipeline = await createPipeline({ cnn, head });
  try {
    const result = await pipeline.analyze(photo);
    return String(result.models.head);
  } finally {
    pipeline.dispose();
    head.dispose();
    cnn.dispose();
  }
}

// The other root entries whose types must check without skipLibCheck (every export's declaration is loaded).
export * as runtime from "@fer/runtime";
export * as faceDetect from "@fer/face-detect";
export * as embeddings from "@fer/embeddings-vggface2";
