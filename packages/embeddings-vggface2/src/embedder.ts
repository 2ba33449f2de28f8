import type { Image } from "@fer/preprocess";

/**
 * A pretrained face network used as a fixed feature extractor: faces in, one vector per face out.
 * Every backbone of this package (VGGFace2 ResNet-50, face-api's ResNet-34, Human's face models) implements it,
 * so heads and the dataset cache do not care which one produced the features.
 */
export interface Embedder {
  /** Backbone name, e.g. `"vggface2-resnet50"`. */
  readonly name: string;
  /** What runs the network: `onnxruntime` for face-api's ResNet-34 on onnxruntime; `tfjs` or absent: tfjs. */
  readonly engine?: "onnxruntime" | "tfjs";
  /** The layer the embedding is read from, e.g. `"avg_pool"` (one of {@link Embedder.layers}). */
  readonly layer: string;
  /** Every layer this backbone can be read at. */
  readonly layers: readonly string[];
  /** Side of the square network input in pixels (faces are resized to it). */
  readonly inputSize: number;
  /** Human-readable description of the input preprocessing (colour order, scaling, means). */
  readonly preprocessing: string;
  /** Length of one embedding vector. */
  readonly dim: number;
  /**
   * A string that changes whenever the vectors would change (backbone, layer, weights, preprocessing);
   * the dataset cache is keyed by it.
   */
  readonly fingerprint: string;
  /** Bytes of weights the backbone holds. */
  readonly weightBytes: number;
  /**
   * Embeds a batch of face crops (any size; gray, RGB or RGBA): returns `faces.length * dim` floats,
   * row i = face i. Faces are resized to `inputSize` and preprocessed inside; tensors are disposed.
   */
  embed(faces: readonly Image[]): Promise<Float32Array>;
  /**
   * Like {@link Embedder.embed} but reads several layers in one forward pass: one `faces.length * dimOf(layer)`
   * array per requested layer, in the order asked.
   */
  embedLayers(faces: readonly Image[], layers: readonly string[]): Promise<Float32Array[]>;
  /** Embedding length at any of {@link Embedder.layers}; throws `unknown-layer` for another name. */
  dimOf(layer: string): number;
  /** The {@link Embedder.fingerprint} the embedder would have when read at `layer`. */
  fingerprintOf(layer: string): string;
  /** Frees the weights. Idempotent; `embed` throws afterwards. */
  dispose(): void;
}
