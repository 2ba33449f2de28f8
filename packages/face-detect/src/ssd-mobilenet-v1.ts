import type { Image } from "@fer/preprocess";
import { ensureBackend } from "@fer/runtime";
import * as tf from "@tensorflow/tfjs-core";
import { finishDetections, nonMaxSuppression } from "./boxes.js";
import { networkInput, placeInInput } from "./network-input.js";
import { FaceDetectError } from "./errors.js";
import { faceApiModelDir, loadWeightsFromDisk, weight } from "./face-api-weights.js";
import { assertDetectableImage, checkBooleanOption, checkNumberOption, checkThreadsOption } from "./image-input.js";
import { resolveEngine, type DetectorEngine } from "./onnxruntime.js";
import { createOnnxRunner, engineRuntime, type NetworkRunner } from "./network-runner.js";
import { ssdOnnxModel, type ConvWeights, type SsdWeights } from "./ssd-onnx.js";
import type { CommonDetectorOptions, Detection, FaceDetector } from "./types.js";

/** Options of the SSD MobileNet v1 face detector. */
export interface SsdMobilenetOptions extends Omit<CommonDetectorOptions, "maxSide"> {
  /** Lowest face probability kept (0..1). Default 0.5. */
  minScore?: number;
  /** Boxes overlapping a better one by more than this IoU are dropped. Default 0.5. */
  iouThreshold?: number;
  /** At most this many faces per image. Default 100. */
  maxResults?: number;
  /**
   * Longer side of the network input the photo is fitted into; a multiple of 32. The model was trained at 512 (the
   * default); smaller sides run faster (the cost grows with the square of the side) but miss more small faces.
   */
  inputSize?: number;
  /**
   * Pad the photo to an `inputSize` x `inputSize` square, as face-api does. Default false: only the shorter side is
   * padded, up to a multiple of 32, so a 1024x676 photo runs at 512x352 (a third less work) with the same boxes.
   */
  padToSquare?: boolean;
  /**
   * Folder with `ssd_mobilenetv1_model-weights_manifest.json` and its shard; default: the `model` folder of
   * `@vladmandic/face-api` (an optional peer dependency: install it, or pass this folder).
   */
  modelDir?: string;
  /**
   * What runs the network (the same ONNX graph on either): `onnxruntime` (the optional `onnxruntime-node` package;
   * about 4x faster on a CPU), `tfjs` (the tfjs-core backend, through `@fer/runtime/tfjs`), or `auto` (the default:
   * onnxruntime when installed, else tfjs; the `FER_ENGINE` environment variable can name one). Both give the same boxes.
   */
  engine?: DetectorEngine;
  /** onnxruntime only: intra-op threads. Default: onnxruntime's (one per physical core). */
  threads?: number;
}

const MODEL = "ssd_mobilenetv1_model";

/** At most this many anchor layouts (one per input shape) are kept. */
const ANCHOR_CACHE_SIZE = 16;
/** The side the network was trained at. */
const TRAINED_SIZE = 512;
const BN_EPSILON = 0.001;

type Conv = ConvWeights;

/**
 * The weights (conv0; layers 1..13, depthwise with its batch norm folded in, then pointwise; the eight extra feature
 * layers; six heads of box encodings and class logits) and the anchor shapes.
 */
interface SsdParams extends SsdWeights {
  /** Per head: anchor heights and widths (fractions of the square side), one pair per anchor of a cell. */
  anchorShapes: { h: number; w: number }[][];
}

/** Anchors per cell of each head's feature map (the first head has 3, the others 6). */
const ANCHORS_PER_CELL = [3, 6, 6, 6, 6, 6];

/** Feature-map sides of the six heads along one input axis: strides 16 and 32, then halved four times ('same' padding). */
function featureSides(inputSide: number): number[] {
  const sides = [Math.ceil(inputSide / 16), Math.ceil(inputSide / 32)];
  while (sides.length < 6) sides.push(Math.ceil(sides[sides.length - 1]! / 2));
  return sides;
}

/** Input pixels per feature-map cell of each head (16, 32, ..., 512), as at the trained side. */
const HEAD_STRIDES = [16, 32, 64, 128, 256, 512];

/**
 * Reads each head's anchor shapes from the model's anchor table (`Output/extra_dim`, laid out for 512x512:
 * 32x32x3, then 16x16, 8x8, 4x4, 2x2, 1x1 cells of 6), after checking that the table is the regular SSD grid
 * (every anchor centred on its cell), so that anchors can be laid out again for any input side.
 */
export function anchorShapesFromTable(table: Float32Array): { h: number; w: number }[][] {
  const shapes: { h: number; w: number }[][] = [];
  let i = 0;
  featureSides(TRAINED_SIZE).forEach((n, head) => {
    const k = ANCHORS_PER_CELL[head]!;
    const first: { h: number; w: number }[] = [];
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        for (let j = 0; j < k; j++, i++) {
          const [y0, x0, y1, x1] = [table[i * 4]!, table[i * 4 + 1]!, table[i * 4 + 2]!, table[i * 4 + 3]!];
          if (Math.abs((y0 + y1) / 2 - (r + 0.5) / n) > 1e-4 || Math.abs((x0 + x1) / 2 - (c + 0.5) / n) > 1e-4) {
            throw new FaceDetectError("model-load", `${MODEL}: anchor ${i} is not centred on its cell`);
          }
          if (r === 0 && c === 0) first.push({ h: y1 - y0, w: x1 - x0 });
        }
      }
    }
    shapes.push(first);
  });
  if (i * 4 !== table.length) throw new FaceDetectError("model-load", `${MODEL}: anchor table has ${table.length / 4} anchors, expected ${i}`);
  return shapes;
}

/**
 * Lays out anchors (`[n * 4]` as cy, cx, h, w; fractions of the input's height and width) for an input of
 * `height` x `width`. Anchors keep their size and their cell centres keep their place in pixels of the network input,
 * as at the trained 512x512 (the convolutions see pixels), so any input side and aspect ratio gets the geometry the
 * network learnt; at 512x512 this is exactly the model's own anchor table.
 */
export function layoutAnchors(shapes: readonly { h: number; w: number }[][], height: number, width: number): Float32Array {
  const rows = featureSides(height);
  const cols = featureSides(width);
  const total = rows.reduce((sum, n, head) => sum + n * cols[head]! * shapes[head]!.length, 0);
  const out = new Float32Array(total * 4);
  let i = 0;
  rows.forEach((nr, head) => {
    const nc = cols[head]!;
    const stride = HEAD_STRIDES[head]!;
    for (let r = 0; r < nr; r++) {
      for (let c = 0; c < nc; c++) {
        for (const s of shapes[head]!) {
          out[i++] = ((r + 0.5) * stride) / height;
          out[i++] = ((c + 0.5) * stride) / width;
          out[i++] = (s.h * TRAINED_SIZE) / height;
          out[i++] = (s.w * TRAINED_SIZE) / width;
        }
      }
    }
  });
  return out;
}

/** Builds the network parameters from the face-api weight map; folds each depthwise layer's batch norm into it. */
function buildParams(w: tf.NamedTensorMap): SsdParams {
  const get = (name: string): tf.Tensor => weight(w, name, MODEL);
  const pointwise = (prefix: string): Conv => ({
    filter: get(`${prefix}/weights`) as tf.Tensor4D,
    bias: get(`${prefix}/convolution_bn_offset`) as tf.Tensor1D,
  });
  const pairs = [];
  for (let i = 1; i <= 13; i++) {
    const p = `MobilenetV1/Conv2d_${i}_depthwise`;
    const depthwise = tf.tidy(() => {
      const k = tf.div(get(`${p}/BatchNorm/gamma`), tf.sqrt(tf.add(get(`${p}/BatchNorm/moving_variance`), BN_EPSILON)));
      return {
        filter: tf.mul(get(`${p}/depthwise_weights`), tf.reshape(k, [1, 1, -1, 1])) as tf.Tensor4D,
        bias: tf.sub(get(`${p}/BatchNorm/beta`), tf.mul(get(`${p}/BatchNorm/moving_mean`), k)) as tf.Tensor1D,
      };
    });
    pairs.push({ depthwise, pointwise: pointwise(`MobilenetV1/Conv2d_${i}_pointwise`) });
  }
  const extra = [];
  for (let i = 0; i < 8; i++) extra.push(pointwise(`Prediction/Conv2d_${i}_pointwise`));
  const heads = [];
  for (let i = 0; i < 6; i++) {
    const p = `Prediction/BoxPredictor_${i}`;
    heads.push({
      box: { filter: get(`${p}/BoxEncodingPredictor/weights`) as tf.Tensor4D, bias: get(`${p}/BoxEncodingPredictor/biases`) as tf.Tensor1D },
      cls: { filter: get(`${p}/ClassPredictor/weights`) as tf.Tensor4D, bias: get(`${p}/ClassPredictor/biases`) as tf.Tensor1D },
    });
  }
  const anchorShapes = anchorShapesFromTable(get("Output/extra_dim").dataSync() as Float32Array);
  return { conv0: pointwise("MobilenetV1/Conv2d_0_pointwise"), pairs, extra, heads, anchorShapes };
}

/**
 * Decodes SSD box encodings (TF Object Detection API: ty, tx, th, tw with scales 10, 10, 5, 5) for the anchors whose
 * face probability is at least `minScore`. `spanY` and `spanX` are the network input's height and width in original
 * pixels.
 */
function decode(
  anchors: Float32Array,
  enc: Float32Array,
  logits: Float32Array,
  minScore: number,
  spanY: number,
  spanX: number,
): Detection[] {
  const dets: Detection[] = [];
  const n = anchors.length / 4;
  const minLogit = Math.log(minScore / (1 - minScore));
  for (let i = 0; i < n; i++) {
    // Class logits per anchor: background, face, (unused).
    const logit = logits[i * 3 + 1]!;
    if (!(logit >= minLogit)) continue;
    const a = i * 4;
    const ha = anchors[a + 2]!;
    const wa = anchors[a + 3]!;
    const cy = (enc[a]! / 10) * ha + anchors[a]!;
    const cx = (enc[a + 1]! / 10) * wa + anchors[a + 1]!;
    const h = Math.exp(enc[a + 2]! / 5) * ha;
    const w = Math.exp(enc[a + 3]! / 5) * wa;
    dets.push({
      x: (cx - w / 2) * spanX,
      y: (cy - h / 2) * spanY,
      width: w * spanX,
      height: h * spanY,
      score: 1 / (1 + Math.exp(-logit)),
    });
  }
  return dets;
}

/** The SSD MobileNet v1 face detector (face-api's WIDER FACE-trained weights). */
class SsdMobilenetDetector implements FaceDetector {
  readonly name = "ssd-mobilenet-v1" as const;
  private disposed = false;
  /** Anchor layouts by input shape (`HxW`); photos of a few aspect ratios give a few shapes. */
  private readonly anchors = new Map<string, Float32Array>();

  constructor(
    private readonly anchorShapes: SsdParams["anchorShapes"],
    private readonly runner: NetworkRunner,
    /** Which engine runs the network. */
    readonly engine: "onnxruntime" | "tfjs",
    private readonly opts: Required<Omit<SsdMobilenetOptions, "modelDir" | "engine" | "threads">>,
  ) {}

  private anchorsFor(height: number, width: number): Float32Array {
    const key = `${height}x${width}`;
    let anchors = this.anchors.get(key);
    if (anchors === undefined) {
      if (this.anchors.size >= ANCHOR_CACHE_SIZE) this.anchors.clear();
      anchors = layoutAnchors(this.anchorShapes, height, width);
      this.anchors.set(key, anchors);
    }
    return anchors;
  }

  async detect(img: Image): Promise<Detection[]> {
    if (this.disposed) throw new FaceDetectError("disposed", "ssd-mobilenet-v1 detector used after dispose()");
    assertDetectableImage(img);
    const placement = placeInInput(img.width, img.height, this.opts.inputSize, this.opts.padToSquare);
    const { inputHeight: h, inputWidth: w } = placement;
    // Pixels scaled to -1..1; the padding is black (-1), as in face-api.
    const data = networkInput(img, placement, [127.5, 127.5, 127.5], 1 / 127.5);
    const [enc, logits] = (await this.runner.run(data, h, w)) as [Float32Array, Float32Array];
    const anchors = this.anchorsFor(h, w);
    if (enc.length !== anchors.length) {
      throw new FaceDetectError("model-load", `${MODEL}: ${enc.length / 4} box encodings for ${anchors.length / 4} anchors`);
    }
    const raw = decode(anchors, enc, logits, this.opts.minScore, placement.scale * h, placement.scale * w);
    const kept = nonMaxSuppression(raw, this.opts.iouThreshold, this.opts.maxResults);
    return finishDetections(kept, img.width, img.height, this.opts.minSize, this.opts.maxSize);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.runner.dispose();
  }
}

/**
 * The SSD as an ONNX graph (outputs `boxes` and `classes`, see `ssdOnnxModel`) written from the weights in `dir`, and
 * its anchor shapes. Reads the weights as tfjs tensors (on the active backend, else `initBackend()`'s) and frees them.
 * @throws {FaceDetectError} `model-load` if the weights cannot be read or are not the SSD's.
 */
export async function readSsdGraph(dir: string): Promise<{ onnx: Uint8Array; anchorShapes: { h: number; w: number }[][] }> {
  await ensureBackend();
  const weights = await loadWeightsFromDisk(dir, MODEL);
  try {
    const params = buildParams(weights);
    try {
      return { onnx: ssdOnnxModel(params), anchorShapes: params.anchorShapes };
    } finally {
      // The depthwise layers with their batch norm folded in are new tensors; the rest are the weights'.
      tf.dispose(params.pairs.flatMap((pr) => [pr.depthwise.filter, pr.depthwise.bias]));
    }
  } finally {
    tf.dispose(weights);
  }
}

/**
 * Creates the SSD MobileNet v1 face detector. Weights are face-api.js's (5.6 MB, MIT; trained on WIDER FACE), from the
 * `@vladmandic/face-api` npm package (an optional peer dependency), read from disk with no network. The photo is
 * fitted into a network input whose longer side is 512 (`inputSize`) and whose shorter side is padded to a multiple
 * of 32 (or to a square: `padToSquare`). The network, written as an ONNX graph, runs on onnxruntime when
 * `onnxruntime-node` is installed, else on tfjs (the backend `initBackend()` of `@fer/runtime` picks); see `engine`.
 * @throws {FaceDetectError} `bad-option` for invalid options, `missing-package` without `@vladmandic/face-api` (and
 * no `modelDir`), `model-load` if the weights cannot be read.
 */
export async function createSsdMobilenetDetector(options: SsdMobilenetOptions = {}): Promise<FaceDetector> {
  checkNumberOption("minScore", options.minScore, 0.001, 0.999);
  checkNumberOption("iouThreshold", options.iouThreshold, 0, 1);
  checkNumberOption("maxResults", options.maxResults, 1);
  checkNumberOption("inputSize", options.inputSize, 64, 2048);
  if (options.inputSize !== undefined && options.inputSize % 32 !== 0) {
    throw new FaceDetectError("bad-option", `inputSize must be a multiple of 32, got ${options.inputSize}`);
  }
  checkBooleanOption("padToSquare", options.padToSquare);
  checkNumberOption("minSize", options.minSize, 0);
  checkNumberOption("maxSize", options.maxSize, 0);
  checkThreadsOption(options.threads);
  const engine = await resolveEngine(options.engine);
  const graph = await readSsdGraph(options.modelDir ?? faceApiModelDir("ssd-mobilenet-v1"));
  const runner = await createOnnxRunner(engineRuntime(engine), graph.onnx, ["boxes", "classes"], { threads: options.threads });
  return new SsdMobilenetDetector(graph.anchorShapes, runner, engine.engine, {
    minScore: options.minScore ?? 0.5,
    iouThreshold: options.iouThreshold ?? 0.5,
    maxResults: options.maxResults ?? 100,
    inputSize: options.inputSize ?? TRAINED_SIZE,
    padToSquare: options.padToSquare ?? false,
    minSize: options.minSize ?? 0,
    maxSize: options.maxSize ?? 0,
  });
}
