import type { FeatureLayer, FerCnn } from "@fer/cnn";
import { EMOTIONS, prepareFaceBytes, type Image } from "@fer/preprocess";

/**
 * Turns face crops into feature vectors for a head: a CNN of `@fer/cnn` read at one of its dense layers (route 1) or
 * a pretrained embedder of `@fer/embeddings-vggface2` (route 2).
 */
export interface Featuriser {
  readonly kind: "cnn" | "embedder";
  /** What runs the network: `onnxruntime` or `tfjs` (see `loadCnn`'s `engine` in `@fer/cnn`). */
  readonly engine: "onnxruntime" | "tfjs";
  /** Short description naming the model and the layer, e.g. `"cnn F (models/fer-f) dense1"`. */
  readonly name: string;
  /** Length of one feature vector. */
  readonly dim: number;
  /** Classes a head on these features may use (the CNN's classes, or the seven EMOTIONS for an embedder). */
  readonly classes: readonly string[];
  /** Side of the square gray faces {@link Featuriser.featuresOfGrayBlock} takes (the size the model was trained at). */
  readonly faceSize: number;
  /** Features of face crops of any size and channel count: `faces.length * dim` floats, row i = face i. */
  features(faces: readonly Image[]): Promise<Float32Array>;
  /** Features of `count` square gray faces of side {@link Featuriser.faceSize} stored back to back (a dataset block). */
  featuresOfGrayBlock(pixels: Uint8Array, count: number): Promise<Float32Array>;
  /** Frees the model if this featuriser owns it. Idempotent. */
  dispose(): void;
}

/**
 * A featuriser reading a trained CNN at `layer`. Every crop goes through the model card's preprocessing
 * (`prepareFaceBytes`: gray, area resize to the card's size; then the CNN applies the card's contrast step and
 * scaling), exactly as at training.
 * @param owns dispose the CNN with the featuriser (default false)
 */
export function cnnFeaturiser(cnn: FerCnn, layer: FeatureLayer, options: { owns?: boolean; label?: string } = {}): Featuriser {
  const size = cnn.card.preprocess.size;
  const dim = cnn.featureSize(layer);
  // Gray + resize only: the CNN's own entry point applies the contrast step of the same card, once.
  const grayResize = { ...cnn.card.preprocess, contrast: "none" as const };
  let disposed = false;
  return {
    kind: "cnn",
    engine: cnn.engine,
    name: `cnn ${cnn.card.architecture}${options.label ? ` (${options.label})` : ""} ${layer}`,
    dim,
    classes: cnn.card.classes,
    faceSize: size,
    async features(faces) {
      const block = new Uint8Array(faces.length * size * size);
      faces.forEach((face, i) => block.set(prepareFaceBytes(face, grayResize).data, i * size * size));
      return cnn.features(block, faces.length, layer);
    },
    async featuresOfGrayBlock(pixels, count) {
      return cnn.features(pixels, count, layer);
    },
    dispose() {
      if (!disposed && options.owns) cnn.dispose();
      disposed = true;
    },
  };
}

/**
 * What a featuriser needs of a pretrained embedder: an `Embedder` of `@fer/embeddings-vggface2` is one. Declared here
 * so that `@fer/pipeline`'s types do not need that package, an optional peer installed only for the accurate preset.
 */
export interface PipelineEmbedder {
  /** Backbone name, e.g. `"faceapi-resnet34"`. */
  readonly name: string;
  /** What runs the network (`onnxruntime` or `tfjs`); an embedder that does not say is taken to run on tfjs. */
  readonly engine?: "onnxruntime" | "tfjs";
  /** The layer the embedding is read from. */
  readonly layer: string;
  /** Length of one embedding vector. */
  readonly dim: number;
  /** Embeds a batch of face crops: `faces.length * dim` floats, row i = face i. */
  embed(faces: readonly Image[]): Promise<Float32Array>;
  /** Frees the backbone's weights. */
  dispose(): void;
}

/**
 * A featuriser over a pretrained {@link PipelineEmbedder} (route 2). Heads on embeddings are fitted on dataset faces (gray,
 * `faceSize` square: 48 for FER2013), so every photo crop is first made the same (`prepareFaceBytes`: gray, area
 * resize to `faceSize`), then the embedder does its own resizing and normalisation (see its `preprocessing`).
 */
export function embedderFeaturiser(embedder: PipelineEmbedder, options: { owns?: boolean; faceSize?: number } = {}): Featuriser {
  const faceSize = options.faceSize ?? 48;
  let disposed = false;
  return {
    kind: "embedder",
    engine: embedder.engine ?? "tfjs",
    name: `embedder ${embedder.name} ${embedder.layer}`,
    dim: embedder.dim,
    classes: EMOTIONS,
    faceSize,
    features(faces) {
      return embedder.embed(faces.map((face) => prepareFaceBytes(face, { size: faceSize, contrast: "none" })));
    },
    async featuresOfGrayBlock(pixels, count) {
      const n = faceSize * faceSize;
      const out = new Float32Array(count * embedder.dim);
      const batch = 64;
      for (let start = 0; start < count; start += batch) {
        const faces: Image[] = [];
        for (let i = start; i < Math.min(count, start + batch); i++) {
          faces.push({ width: faceSize, height: faceSize, channels: 1, data: pixels.subarray(i * n, (i + 1) * n) });
        }
        out.set(await embedder.embed(faces), start * embedder.dim);
      }
      return out;
    },
    dispose() {
      if (!disposed && options.owns) embedder.dispose();
      disposed = true;
    },
  };
}
