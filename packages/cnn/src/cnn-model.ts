import { mirrorFaces, prepareFaces, type FaceDataset } from "@fer/preprocess";
import { LOGITS_LAYER, type FeatureLayer } from "./architecture-specs.js";
import { accuracy, argmaxRows } from "./metrics.js";
import { onnxForward } from "./forward.js";
import { resolveEngine, type InferenceEngine } from "@fer/runtime";
import type { ModelCard } from "./model-card.js";
import { readModelCard } from "./model-folder.js";
import { readCnnDescription } from "./model-files.js";
import { rememberModelDir } from "./model-dirs.js";

/** A trained CNN with its card: every input goes through the card's preprocessing first. */
export interface FerCnn {
  readonly card: ModelCard;
  /** What runs the forward pass at inference: `onnxruntime` or `tfjs` (see {@link LoadCnnOptions.engine}). */
  readonly engine: "onnxruntime" | "tfjs";
  /** Raw outputs (softmax probabilities for A–E, linear scores for F/G) of `count` size×size gray faces. */
  scores(pixels: Uint8Array, count: number): Promise<Float32Array>;
  /** 64-d features of the first or second Dense layer for `count` size×size gray faces, [count, 64]. */
  features(pixels: Uint8Array, count: number, layer: FeatureLayer): Promise<Float32Array>;
  /** Predicted class index per face. */
  predict(pixels: Uint8Array, count: number): Promise<Uint8Array>;
  /** Width of the features {@link FerCnn.features} returns at `layer` (64 for every architecture today). */
  featureSize(layer: FeatureLayer): number;
  /**
   * The last Dense layer (`logits`, applied to the `dense2` features): `kernel` [inputs, classes] row-major and
   * `bias` [classes], copies.
   */
  logitsWeights(): { kernel: Float32Array; bias: Float32Array };
  /** Frees the model's session (and its weights). Idempotent. */
  dispose(): void;
}

/** Thrown when a dataset does not fit a model (other image size or classes). */
export class DatasetMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetMismatchError";
  }
}

/** Options of {@link loadCnn}. */
export interface LoadCnnOptions {
  /**
   * What runs inference. The model folder is read as plain data (no tfjs-layers) and written as an ONNX graph in memory,
   * which runs on `onnxruntime` (the optional `onnxruntime-node` package; 4.4x faster than tfjs's WebAssembly backend on
   * one CPU thread) or on `tfjs` (the tfjs-core ONNX interpreter of `@fer/runtime/tfjs`, on the backend `initBackend`
   * picks); `auto` (default): onnxruntime when installed, else tfjs (`FER_ENGINE` can name one). Same outputs to float
   * rounding.
   */
  engine?: InferenceEngine;
  /** onnxruntime only: intra-op threads. Default: onnxruntime's (one per physical core). */
  threads?: number;
}

/**
 * Loads a model folder written by the trainer (model.json, weights.bin, card.json) without tfjs-layers. Inference runs
 * its ONNX graph on onnxruntime when `onnxruntime-node` is installed, else on tfjs (see {@link LoadCnnOptions}).
 * @throws {EngineError} for a bad `engine`, or `onnxruntime` asked for and not installed.
 * @throws {ModelFolderError} for a missing, damaged or unreadable model folder (naming the file and the cause).
 */
export async function loadCnn(dir: string, options: LoadCnnOptions = {}): Promise<FerCnn> {
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new RangeError(`threads must be a positive whole number, got ${options.threads}`);
  }
  const engine = await resolveEngine(options.engine);
  const card = await readModelCard(dir);
  const description = await readCnnDescription(dir);
  const size = card.preprocess.size;
  const prepared = (pixels: Uint8Array, count: number) => {
    if (pixels.length !== count * size * size) {
      throw new DatasetMismatchError(`expected ${count} faces of ${size}x${size} gray pixels (${count * size * size} bytes), got ${pixels.length}`);
    }
    return prepareFaces(pixels, count, card.preprocess);
  };
  // tfjs: the ONNX interpreter on the tfjs backend already active, else the one `initBackend` picks.
  const ort = engine.engine === "onnxruntime" ? engine.ort : (await import("@fer/runtime/tfjs")).tfjsOnnxRuntime();
  const forward = await onnxForward(ort, description, size, options.threads);
  const layerOf = (name: string) => {
    const layer = description.layers.find((l) => l.name === name);
    if (layer === undefined) throw new TypeError(`the model has no layer ${name}`);
    return layer;
  };
  let disposed = false;
  const cnn: FerCnn = {
    card,
    engine: engine.engine,
    async scores(pixels, count) {
      return (await forward.run(prepared(pixels, count), count, "scores")).values;
    },
    async features(pixels, count, layer) {
      return (await forward.run(prepared(pixels, count), count, layer)).values;
    },
    async predict(pixels, count) {
      const { values, width } = await forward.run(prepared(pixels, count), count, "scores");
      return argmaxRows(values, width);
    },
    featureSize(layer) {
      return layerOf(layer).shape[0] ?? 0;
    },
    logitsWeights() {
      const { kernel, bias } = layerOf(LOGITS_LAYER).weights;
      if (kernel === undefined || bias === undefined) throw new TypeError(`layer ${LOGITS_LAYER} has no kernel and bias`);
      return { kernel: Float32Array.from(kernel.values), bias: Float32Array.from(bias.values) };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      forward.release();
    },
  };
  rememberModelDir(cnn, dir);
  return cnn;
}

/** Checks that a dataset has the model's image size and only classes the model knows; returns label remapping. */
export function labelsForModel(cnn: FerCnn, data: FaceDataset): Uint8Array {
  if (data.size !== cnn.card.preprocess.size) {
    throw new DatasetMismatchError(`dataset images are ${data.size}x${data.size}, the model expects ${cnn.card.preprocess.size}x${cnn.card.preprocess.size}`);
  }
  const map = data.classes.map((c) => {
    const i = cnn.card.classes.indexOf(c);
    if (i < 0) throw new DatasetMismatchError(`dataset class '${c}' is not one of the model's classes (${cnn.card.classes.join(", ")})`);
    return i;
  });
  return Uint8Array.from(data.labels, (l) => map[l] as number);
}

/** Options of {@link evaluateCnn}. */
export interface EvaluateCnnOptions {
  /** Average each face's outputs (probabilities for A–E, linear scores for F/G) with its mirror image's first. */
  readonly mirrorAverage?: boolean;
}

/**
 * Accuracy of a model on a labelled dataset, with the predictions.
 * @throws RangeError for a dataset without images (an evaluation that scored nothing has no accuracy).
 */
export async function evaluateCnn(cnn: FerCnn, data: FaceDataset, options: EvaluateCnnOptions = {}): Promise<{ accuracy: number; predicted: Uint8Array; labels: Uint8Array }> {
  const labels = labelsForModel(cnn, data);
  let predicted: Uint8Array;
  if (options.mirrorAverage) {
    const scores = await cnn.scores(data.pixels, data.count);
    const mirrored = await cnn.scores(mirrorFaces(data.pixels, data.count, data.size), data.count);
    for (let i = 0; i < scores.length; i++) scores[i] = ((scores[i] as number) + (mirrored[i] as number)) / 2;
    predicted = argmaxRows(scores, scores.length / Math.max(data.count, 1));
  } else {
    predicted = await cnn.predict(data.pixels, data.count);
  }
  return { accuracy: accuracy(predicted, labels), predicted, labels };
}
