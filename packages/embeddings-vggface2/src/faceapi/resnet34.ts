import { createRequire } from "node:module";
import path from "node:path";
import type { Image } from "@fer/preprocess";
import { createCpuSession, resolveEngine, type InferenceEngine, type OnnxRuntime, type OnnxSession } from "@fer/runtime";
import * as tf from "@tensorflow/tfjs-core";
import type { Embedder } from "../embedder.js";
import { EmbeddingError } from "../errors.js";
import { facesToTensor } from "../face-tensor.js";
import { gridAveragePool, gridAveragePoolNchw, parseLayerId } from "../pooling.js";
import { faceApiResnetOnnxModel, RESNET_ONNX_INPUT, type ResnetConvArrays } from "./resnet34-onnx.js";
import { readJsonFile, readManifestWeights, tensorBytes, type ManifestGroup } from "../weights-manifest.js";

/** Side of the face chip the dlib/face-api recognition ResNet expects. */
export const FACEAPI_RESNET_INPUT = 150;
/** Per-channel RGB means face-api subtracts before dividing by 255. */
export const FACEAPI_RESNET_MEAN_RGB = [122.782, 117.001, 104.298] as const;

/**
 * Where the network can be read. Block taps are the outputs of the residual stages (feature maps, pooled by global
 * average, or by a g x g grid with the `-grid<g>` suffix, e.g. `block128-grid2`); `pool` is the 256-d global
 * average before the last layer and `descriptor` the final 128-d face descriptor (trained to identify people,
 * hence to ignore expression).
 */
export const FACEAPI_RESNET_TAPS = ["block32", "block64", "block128", "block256", "pool", "descriptor"] as const;
/** A tap of {@link FACEAPI_RESNET_TAPS}. */
export type FaceApiResnetTap = (typeof FACEAPI_RESNET_TAPS)[number];

const TAP_CHANNELS: Record<FaceApiResnetTap, number> = { block32: 32, block64: 64, block128: 128, block256: 256, pool: 256, descriptor: 128 };

/** Layer ids offered by {@link loadFaceApiResnetEmbedder}: every tap, plus 2x2 grids of the block taps. */
export const FACEAPI_RESNET_LAYERS: readonly string[] = [
  ...FACEAPI_RESNET_TAPS,
  "block64-grid2",
  "block128-grid2",
  "block256-grid2",
];

interface ConvParams {
  filters: tf.Tensor4D;
  bias: tf.Tensor1D;
  scale: tf.Tensor1D;
  shift: tf.Tensor1D;
}

/** The folder of `@vladmandic/face-api`'s pretrained weights inside node_modules. */
export function faceApiModelDir(): string {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve("@vladmandic/face-api");
  } catch (e) {
    throw new EmbeddingError("unknown-backbone", "@vladmandic/face-api is not installed (npm i @vladmandic/face-api)", undefined, { cause: e });
  }
  // main is <pkg>/dist/face-api.node.js
  return path.join(path.dirname(path.dirname(main)), "model");
}

function convParams(w: tf.NamedTensorMap, prefix: string): ConvParams {
  const get = (name: string): tf.Tensor => {
    const t = w[`${prefix}/${name}`];
    if (!t) throw new EmbeddingError("bad-weights-layout", `face recognition weights lack "${prefix}/${name}"`);
    return t;
  };
  return {
    filters: get("conv/filters") as tf.Tensor4D,
    bias: get("conv/bias") as tf.Tensor1D,
    scale: get("scale/weights") as tf.Tensor1D,
    shift: get("scale/biases") as tf.Tensor1D,
  };
}

function conv(x: tf.Tensor4D, p: ConvParams, stride: 1 | 2, relu: boolean): tf.Tensor4D {
  const y = tf.add(tf.mul(tf.add(tf.conv2d(x, p.filters, stride, stride === 2 ? "valid" : "same"), p.bias), p.scale), p.shift) as tf.Tensor4D;
  return relu ? tf.relu(y) : y;
}

/** Residual block with identity shortcut. */
function residual(x: tf.Tensor4D, p1: ConvParams, p2: ConvParams): tf.Tensor4D {
  return tf.relu(tf.add(conv(conv(x, p1, 1, true), p2, 1, false), x)) as tf.Tensor4D;
}

/**
 * Down-sampling residual block (dlib's `ares_down`): 3x3 stride-2 'valid' convolution; the shortcut is a 2x2
 * average pool, zero-padded in channels when they double, and the main path is zero-padded by one row and column
 * at the end when the two spatial sizes differ.
 */
function residualDown(x: tf.Tensor4D, p1: ConvParams, p2: ConvParams): tf.Tensor4D {
  let main = conv(conv(x, p1, 2, true), p2, 1, false);
  let short = tf.avgPool(x, 2, 2, "valid") as tf.Tensor4D;
  const [, sh, sw, sc] = short.shape;
  const [, mh, mw, mc] = main.shape;
  if (mh !== sh || mw !== sw) main = tf.pad(main, [[0, 0], [0, sh - mh], [0, sw - mw], [0, 0]]);
  if (mc !== sc) short = tf.pad(short, [[0, 0], [0, 0], [0, 0], [0, mc - sc]]);
  return tf.relu(tf.add(main, short)) as tf.Tensor4D;
}

/** The stages: [name, down-sampling?] in order. */
const BLOCKS: readonly (readonly [string, boolean])[] = [
  ["conv32_1", false],
  ["conv32_2", false],
  ["conv32_3", false],
  ["conv64_down", true],
  ["conv64_1", false],
  ["conv64_2", false],
  ["conv64_3", false],
  ["conv128_down", true],
  ["conv128_1", false],
  ["conv128_2", false],
  ["conv256_down", true],
  ["conv256_1", false],
  ["conv256_2", false],
  ["conv256_down_out", true],
];
/** The block after which each block tap is read. */
const TAP_AFTER: Record<string, FaceApiResnetTap> = { conv32_3: "block32", conv64_3: "block64", conv128_2: "block128", conv256_2: "block256" };

/** Options of {@link loadFaceApiResnetEmbedder}. */
export interface FaceApiResnetOptions {
  /** Layer id (see {@link FACEAPI_RESNET_LAYERS}); default `"descriptor"`. */
  readonly layer?: string;
  /** Folder holding `face_recognition_model-weights_manifest.json` and its shard; default face-api's own `model/`. */
  readonly modelDir?: string;
  /**
   * What runs the network: `auto` (default; the `FER_ENGINE` environment variable replaces it) is onnxruntime when
   * `onnxruntime-node` is installed, else tfjs; `onnxruntime` throws `EngineError` (`missing`) without it. Both give the
   * same features (within 1e-4, tested); onnxruntime was 1.7-2.8x faster here (see the README). Faces are resized on tfjs either way.
   */
  readonly engine?: InferenceEngine;
  /** onnxruntime's intra-op threads; default onnxruntime's (one per physical core). Not used on tfjs. */
  readonly threads?: number;
}

/** A convolution's tfjs weights as the arrays the ONNX writer takes. */
function convArrays(p: ConvParams): ResnetConvArrays {
  return {
    filterShape: p.filters.shape,
    filter: p.filters.dataSync() as Float32Array,
    bias: p.bias.dataSync() as Float32Array,
    scale: p.scale.dataSync() as Float32Array,
    shift: p.shift.dataSync() as Float32Array,
  };
}

/** Checks a layer id and returns its tap, grid and dimension. */
function resolveLayer(layer: string): { tap: FaceApiResnetTap; grid: number; dim: number } {
  const { tap, grid } = parseLayerId(layer);
  const known = (FACEAPI_RESNET_TAPS as readonly string[]).includes(tap);
  const gridOk = grid === 1 || (tap.startsWith("block") && grid >= 1 && grid <= 8);
  if (!known || !gridOk) {
    throw new EmbeddingError("unknown-layer", `face-api ResNet-34 has no layer "${layer}"; use one of ${FACEAPI_RESNET_LAYERS.join(", ")} (or block<k>-grid<g>)`);
  }
  const t = tap as FaceApiResnetTap;
  return { tap: t, grid, dim: grid * grid * TAP_CHANNELS[t] };
}

/**
 * Loads the face recognition ResNet-34 shipped with `@vladmandic/face-api` (MIT; the dlib `dlib_face_recognition_resnet_model_v1`
 * network, trained by Davis King to tell about 7,500 identities apart with a metric loss) from disk and returns an
 * {@link Embedder} reading it at `layer`. Preprocessing: RGB 150x150, minus {@link FACEAPI_RESNET_MEAN_RGB}, / 255.
 * The network runs on onnxruntime (an ONNX graph written from the same weights) or on tfjs: see `options.engine`.
 * @throws {EmbeddingError} for an unknown layer or unreadable weights; `EngineError` of `@fer/runtime` for a bad engine.
 */
export async function loadFaceApiResnetEmbedder(options: FaceApiResnetOptions = {}): Promise<Embedder> {
  const layer = options.layer ?? "descriptor";
  const main = resolveLayer(layer);
  const engine = await resolveEngine(options.engine);
  const dir = options.modelDir ?? faceApiModelDir();
  const manifestFile = path.join(dir, "face_recognition_model-weights_manifest.json");
  const manifest = (await readJsonFile(manifestFile)) as ManifestGroup[];
  if (!Array.isArray(manifest)) throw new EmbeddingError("bad-weights-layout", `${manifestFile} is not a weights manifest`, manifestFile);
  const weights = await readManifestWeights(dir, manifest);
  let params: Record<string, ConvParams>;
  let fcT: tf.Tensor2D;
  try {
    fcT = weights.fc as tf.Tensor2D;
    if (!fcT) throw new EmbeddingError("bad-weights-layout", `${manifestFile}: no "fc" weight`, manifestFile);
    params = { conv32_down: convParams(weights, "conv32_down") };
    for (const [name] of BLOCKS) {
      params[`${name}/conv1`] = convParams(weights, `${name}/conv1`);
      params[`${name}/conv2`] = convParams(weights, `${name}/conv2`);
    }
  } catch (e) {
    tf.dispose(Object.values(weights));
    throw e;
  }
  const bytes = tensorBytes(Object.values(weights));
  let onnx: { ort: OnnxRuntime; session: OnnxSession } | undefined;
  if (engine.engine === "onnxruntime") {
    // onnxruntime holds its own copy of the weights: the tfjs ones are freed once the graph is written.
    try {
      const model = faceApiResnetOnnxModel({
        inputSize: FACEAPI_RESNET_INPUT,
        meanRgb: FACEAPI_RESNET_MEAN_RGB,
        stem: convArrays(params.conv32_down!),
        blocks: BLOCKS.map(([name, down]) => ({
          name,
          down,
          conv1: convArrays(params[`${name}/conv1`]!),
          conv2: convArrays(params[`${name}/conv2`]!),
          ...(TAP_AFTER[name] !== undefined ? { tap: TAP_AFTER[name] } : {}),
        })),
        fc: fcT.dataSync() as Float32Array,
      });
      onnx = { ort: engine.ort, session: await createCpuSession(engine.ort, model, options.threads) };
    } finally {
      tf.dispose(Object.values(weights));
    }
  }
  const mean = tf.tensor1d([...FACEAPI_RESNET_MEAN_RGB]);
  let disposed = false;

  /** The onnxruntime pass: fetches only the taps asked for; block taps come back NCHW and are pooled here. */
  const runOnnx = async ({ ort, session }: NonNullable<typeof onnx>, input: tf.Tensor4D, wanted: readonly { tap: FaceApiResnetTap; grid: number }[]): Promise<Float32Array[]> => {
    const data = (await input.data()) as Float32Array;
    const result = await session.run({ [RESNET_ONNX_INPUT]: new ort.Tensor("float32", data, input.shape) }, [...new Set(wanted.map((w) => w.tap))]);
    return wanted.map((w) => {
      const out = result[w.tap]!;
      const values = out.data as Float32Array;
      return w.tap === "pool" || w.tap === "descriptor" ? values.slice() : gridAveragePoolNchw(values, out.dims, w.grid);
    });
  };

  /** One forward pass, stopping after the deepest requested tap; returns one [N, dim] tensor per request. */
  const forward = (input: tf.Tensor4D, wanted: readonly { tap: FaceApiResnetTap; grid: number }[]): tf.Tensor2D[] =>
    tf.tidy(() => {
      const outs = new Map<number, tf.Tensor2D>();
      const take = (t: FaceApiResnetTap, x: tf.Tensor4D | tf.Tensor2D): void => {
        wanted.forEach((w, i) => {
          if (w.tap === t) outs.set(i, x.rank === 2 ? (x as tf.Tensor2D) : gridAveragePool(x as tf.Tensor4D, w.grid));
        });
      };
      let x = tf.div(tf.sub(input, mean), 255) as tf.Tensor4D;
      x = conv(x, params.conv32_down!, 2, true);
      x = tf.maxPool(x, 3, 2, "valid");
      for (const [name, down] of BLOCKS) {
        if (outs.size === wanted.length) break;
        const p1 = params[`${name}/conv1`]!;
        const p2 = params[`${name}/conv2`]!;
        x = down ? residualDown(x, p1, p2) : residual(x, p1, p2);
        const tap = TAP_AFTER[name];
        if (tap) take(tap, x);
      }
      if (outs.size < wanted.length) {
        const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
        take("pool", pooled);
        take("descriptor", tf.matMul(pooled, fcT));
      }
      return wanted.map((_, i) => outs.get(i)!);
    });

  const embedLayers = async (faces: readonly Image[], layers: readonly string[]): Promise<Float32Array[]> => {
    if (disposed) throw new EmbeddingError("disposed", "faceapi-resnet34 embedder was disposed");
    const wanted = layers.map(resolveLayer);
    const input = facesToTensor(faces, FACEAPI_RESNET_INPUT);
    let outs: tf.Tensor2D[] = [];
    try {
      if (onnx !== undefined) return await runOnnx(onnx, input, wanted);
      outs = forward(input, wanted);
      return (await Promise.all(outs.map((o) => o.data()))) as Float32Array[];
    } finally {
      input.dispose();
      tf.dispose(outs);
    }
  };
  const fingerprintOf = (l: string): string => `faceapi-resnet34@${l}:${bytes}`;

  return {
    name: "faceapi-resnet34",
    engine: engine.engine,
    layer,
    layers: FACEAPI_RESNET_LAYERS,
    inputSize: FACEAPI_RESNET_INPUT,
    preprocessing: `RGB ${FACEAPI_RESNET_INPUT}x${FACEAPI_RESNET_INPUT} (gray replicated, bilinear), minus mean RGB [${FACEAPI_RESNET_MEAN_RGB.join(", ")}], / 255`,
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
      if (onnx !== undefined) void onnx.session.release();
      else tf.dispose(Object.values(weights));
      mean.dispose();
    },
  };
}
