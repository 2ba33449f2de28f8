import type { InferenceEngine } from "@fer/runtime";
import type { Embedder } from "./embedder.js";
import { EmbeddingError } from "./errors.js";
import { loadFaceApiResnetEmbedder } from "./faceapi/resnet34.js";

/** Names of the backbones {@link loadEmbedder} knows. */
export const BACKBONES = ["faceapi-resnet34", "human-faceres-deep", "human-faceres", "vggface2-resnet50"] as const;
/** A backbone name of {@link BACKBONES}. */
export type BackboneName = (typeof BACKBONES)[number];

/** Options of {@link loadEmbedder}. */
export interface LoadEmbedderOptions {
  /** Layer to read; default: the backbone's own default. */
  readonly layer?: string;
  /** Weights file or folder (required for `vggface2-resnet50`, optional override for the others). */
  readonly weights?: string;
  /**
   * What runs the network: `auto` (default), `onnxruntime` or `tfjs`. `faceapi-resnet34` runs on either (see
   * `FaceApiResnetOptions.engine`); the others run on tfjs only: `auto` picks tfjs for them and `onnxruntime`
   * throws `EmbeddingError` `unsupported-engine`.
   */
  readonly engine?: InferenceEngine;
  /** onnxruntime's intra-op threads (`faceapi-resnet34` on onnxruntime); default onnxruntime's. */
  readonly threads?: number;
}

/** Loads a backbone by name (see {@link BACKBONES}) as an {@link Embedder}. */
export async function loadEmbedder(name: string, options: LoadEmbedderOptions = {}): Promise<Embedder> {
  const layer = options.layer !== undefined ? { layer: options.layer } : {};
  if (options.engine === "onnxruntime" && name !== "faceapi-resnet34" && (BACKBONES as readonly string[]).includes(name)) {
    throw new EmbeddingError("unsupported-engine", `the ${name} backbone runs on tfjs only (engine "onnxruntime" was asked for); faceapi-resnet34 runs on onnxruntime`);
  }
  switch (name) {
    case "faceapi-resnet34":
      return loadFaceApiResnetEmbedder({
        ...layer,
        ...(options.weights !== undefined ? { modelDir: options.weights } : {}),
        ...(options.engine !== undefined ? { engine: options.engine } : {}),
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
      });
    case "human-faceres":
    case "human-faceres-deep": {
      const { loadFaceresEmbedder } = await import("./graph/human-faceres.js");
      return loadFaceresEmbedder({ variant: name, ...layer, ...(options.weights !== undefined ? { modelFile: options.weights } : {}) });
    }
    case "vggface2-resnet50": {
      const { loadVggface2Embedder } = await import("./vggface2/embedder.js");
      return loadVggface2Embedder({ ...layer, weights: options.weights });
    }
    default:
      throw new EmbeddingError("unknown-backbone", `unknown backbone "${name}"; use one of ${BACKBONES.join(", ")}`);
  }
}
