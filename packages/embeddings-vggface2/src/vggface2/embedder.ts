import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { Image } from "@fer/preprocess";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { Embedder } from "../embedder.js";
import { EmbeddingError } from "../errors.js";
import { facesToTensor } from "../face-tensor.js";
import { buildVggface2Resnet50 } from "./architecture.js";
import { VGGFACE2_DIMS, VGGFACE2_INPUT, VGGFACE2_LAYERS, VGGFACE2_MEANS_BGR, type Vggface2Layer } from "./layers.js";
import { vggface2Preprocess } from "./preprocess.js";
import { assignWeights } from "./assign-weights.js";
import { openKerasH5Weights } from "./weights-h5.js";
import { readLayersModelFolder } from "./weights-folder.js";

/** Options of {@link loadVggface2Embedder}. */
export interface Vggface2Options {
  /**
   * The weights: the Keras HDF5 file `rcmalli_vggface_tf_notop_resnet50.h5` (keras-vggface's published
   * no-top ResNet-50 weights), or a TensorFlow.js layers model folder / `model.json` converted from it. Required:
   * the weights cannot be downloaded by this package.
   */
  readonly weights: string | undefined;
  /** Layer to read (see {@link VGGFACE2_LAYERS}); default `"avg_pool"` (2048-d, as in the study). */
  readonly layer?: string;
}

function checkLayer(layer: string): Vggface2Layer {
  if (!(VGGFACE2_LAYERS as readonly string[]).includes(layer)) {
    throw new EmbeddingError("unknown-layer", `VGGFace2 ResNet-50 has no layer "${layer}"; use one of ${VGGFACE2_LAYERS.join(", ")}`);
  }
  return layer as Vggface2Layer;
}

/** Loads the weights at `weights` (HDF5 file or tfjs folder) into a freshly built model; returns the model and a source tag. */
async function loadModel(weights: string | undefined): Promise<{ model: tfl.LayersModel; source: string }> {
  const isFolderLike =
    weights !== undefined && weights !== "" && existsSync(weights) && (statSync(weights).isDirectory() || weights.endsWith(".json"));
  if (isFolderLike) {
    const lookup = await readLayersModelFolder(weights);
    const model = buildVggface2Resnet50();
    try {
      assignWeights(model, lookup, path.resolve(weights));
    } catch (e) {
      model.dispose();
      throw e;
    }
    return { model, source: `tfjs:${path.resolve(weights)}:${statSync(weights).mtimeMs}` };
  }
  const h5 = await openKerasH5Weights(weights);
  try {
    const model = buildVggface2Resnet50();
    try {
      assignWeights(model, h5.lookup, path.resolve(weights!));
    } catch (e) {
      model.dispose();
      throw e;
    }
    const st = statSync(weights!);
    return { model, source: `h5:${path.resolve(weights!)}:${st.size}:${st.mtimeMs}` };
  } finally {
    h5.close();
  }
}

/**
 * Builds keras-vggface's VGGFace2 ResNet-50 (224x224x3, Keras layer names) in TensorFlow.js, loads the user's
 * weights file into it and returns an {@link Embedder}: faces -> RGB 224x224 (bilinear) -> BGR minus the version-2
 * means -> the network -> the `layer` vector (2048-d `avg_pool` by default). Throws `missing-weights` when no
 * weights are given or the path does not exist, and `bad-weights-layout` naming the missing or mis-shaped weight.
 */
export async function loadVggface2Embedder(options: Vggface2Options): Promise<Embedder> {
  const layer = checkLayer(options.layer ?? "avg_pool");
  const { model, source } = await loadModel(options.weights);
  const bytes = model.countParams() * 4;
  let disposed = false;
  const embedLayers = async (faces: readonly Image[], layers: readonly string[]): Promise<Float32Array[]> => {
    if (disposed) throw new EmbeddingError("disposed", "vggface2-resnet50 embedder was disposed");
    const wanted = layers.map(checkLayer);
    const outs = tf.tidy(() => {
      const x = vggface2Preprocess(facesToTensor(faces, VGGFACE2_INPUT));
      const all = model.predict(x) as tf.Tensor[];
      return wanted.map((l) => all[VGGFACE2_LAYERS.indexOf(l)]!);
    });
    try {
      return (await Promise.all(outs.map((o) => o.data()))) as Float32Array[];
    } finally {
      tf.dispose(outs);
    }
  };
  const fingerprintOf = (l: string): string => `vggface2-resnet50@${checkLayer(l)}:${source}`;
  return {
    name: "vggface2-resnet50",
    layer,
    layers: VGGFACE2_LAYERS,
    inputSize: VGGFACE2_INPUT,
    preprocessing: `RGB ${VGGFACE2_INPUT}x${VGGFACE2_INPUT} (gray replicated, bilinear) -> BGR minus means [${VGGFACE2_MEANS_BGR.join(", ")}] (keras-vggface version 2)`,
    dim: VGGFACE2_DIMS[layer],
    fingerprint: fingerprintOf(layer),
    weightBytes: bytes,
    embedLayers,
    async embed(faces: readonly Image[]): Promise<Float32Array> {
      return (await embedLayers(faces, [layer]))[0]!;
    },
    dimOf: (l: string) => VGGFACE2_DIMS[checkLayer(l)],
    fingerprintOf,
    dispose(): void {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}
