import type { Image } from "@fer/preprocess";
import * as tf from "@tensorflow/tfjs-core";
import { finishDetections, nonMaxSuppression } from "./boxes.js";
import { networkInput, placeInInput } from "./network-input.js";
import { FaceDetectError } from "./errors.js";
import { faceApiModelDir, loadWeightsFromDisk, weight } from "./face-api-weights.js";
import { assertDetectableImage, checkBooleanOption, checkNumberOption, checkThreadsOption } from "./image-input.js";
import { ensureBackend, OnnxGraphBuilder } from "@fer/runtime";
import { addImageInput, addTfConv, createOnnxRunner, engineRuntime, type NetworkRunner } from "./network-runner.js";
import { resolveEngine, type DetectorEngine } from "./onnxruntime.js";
import type { CommonDetectorOptions, Detection, FaceDetector } from "./types.js";

/** Options of the Tiny face detector. */
export interface TinyFaceOptions extends Omit<CommonDetectorOptions, "maxSide"> {
  /** Longer side of the network input the photo is fitted into; a multiple of 32. Larger finds smaller faces, slower. Default 416. */
  inputSize?: number;
  /**
   * Pad the photo to an `inputSize` x `inputSize` square, as face-api does. Default false: only the shorter side is
   * padded, up to a multiple of 32 (less work, same boxes).
   */
  padToSquare?: boolean;
  /** Lowest face probability kept (0..1). Default 0.5. */
  minScore?: number;
  /** Boxes overlapping a better one by more than this IoU are dropped. Default 0.4. */
  iouThreshold?: number;
  /** At most this many faces per image. Default 100. */
  maxResults?: number;
  /**
   * Folder with `tiny_face_detector_model-weights_manifest.json` and its shard; default: the one in
   * `@vladmandic/face-api` (an optional peer dependency: install it, or pass this folder).
   */
  modelDir?: string;
  /** What runs the network: `auto` (default: onnxruntime when installed, else tfjs), `onnxruntime` or `tfjs`; as for `ssd-mobilenet-v1`. */
  engine?: DetectorEngine;
  /** onnxruntime only: intra-op threads. Default: onnxruntime's (one per physical core). */
  threads?: number;
}

const MODEL = "tiny_face_detector_model";
/** Mean RGB the network was trained with. */
const MEAN_RGB = [117.001, 114.697, 97.404] as const;
/** YOLO anchor sizes in output cells (width, height). */
const ANCHORS = [
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
] as const;
const LEAK = 0.1;

interface TinyParams {
  conv0: { filter: tf.Tensor4D; bias: tf.Tensor1D };
  /** conv1..conv5: depthwise 3x3, pointwise 1x1, bias. */
  separable: { depthwise: tf.Tensor4D; pointwise: tf.Tensor4D; bias: tf.Tensor1D }[];
  conv8: { filter: tf.Tensor4D; bias: tf.Tensor1D };
}

function buildParams(w: tf.NamedTensorMap): TinyParams {
  const get = (name: string): tf.Tensor => weight(w, name, MODEL);
  const separable = [];
  for (let i = 1; i <= 5; i++) {
    separable.push({
      depthwise: get(`conv${i}/depthwise_filter`) as tf.Tensor4D,
      pointwise: get(`conv${i}/pointwise_filter`) as tf.Tensor4D,
      bias: get(`conv${i}/bias`) as tf.Tensor1D,
    });
  }
  return {
    conv0: { filter: get("conv0/filters") as tf.Tensor4D, bias: get("conv0/bias") as tf.Tensor1D },
    separable,
    conv8: { filter: get("conv8/filters") as tf.Tensor4D, bias: get("conv8/bias") as tf.Tensor1D },
  };
}

/** The network as an ONNX graph: NHWC image input, output `grid` `[1, rows, cols, 25]`. */
function tinyFaceOnnxModel(p: TinyParams): Uint8Array {
  const g = new OnnxGraphBuilder("tiny_face_detector");
  const leaky = (x: string): string => g.addNode("LeakyRelu", [x], [`${x}_leaky`], { alpha: { float: LEAK } });
  const maxPool = (x: string, stride: number): string =>
    g.addNode("MaxPool", [x], [`${x}_pool`], { kernel_shape: { ints: [2, 2] }, strides: { ints: [stride, stride] }, auto_pad: { string: "SAME_UPPER" } });
  let out = leaky(addTfConv(g, addImageInput(g), p.conv0.filter, p.conv0.bias, { pad: "valid" }));
  for (const s of p.separable) {
    out = addTfConv(g, maxPool(out, 2), s.depthwise, undefined, { pad: "same", depthwise: true });
    out = leaky(addTfConv(g, out, s.pointwise, s.bias, { pad: "valid" }));
  }
  out = addTfConv(g, maxPool(out, 1), p.conv8.filter, p.conv8.bias, { pad: "valid" });
  g.addNode("Transpose", [out], ["grid"], { perm: { ints: [0, 2, 3, 1] } });
  g.addOutput("grid", [1, "rows", "cols", 25]);
  return g.encode();
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * Decodes the `rows` x `cols` YOLO grid into boxes (in original pixels) for anchors whose objectness is at least
 * `minScore`. `scale` is original pixels per input pixel; a cell is 32 input pixels.
 */
function decode(out: Float32Array, rows: number, cols: number, minScore: number, scale: number): Detection[] {
  const dets: Detection[] = [];
  const minLogit = Math.log(minScore / (1 - minScore));
  const span = 32 * scale;
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      for (let a = 0; a < ANCHORS.length; a++) {
        const o = ((row * cols + col) * ANCHORS.length + a) * 5;
        const logit = out[o + 4]!;
        if (!(logit >= minLogit)) continue;
        const [aw, ah] = ANCHORS[a]!;
        // In cells.
        const cx = col + sigmoid(out[o]!);
        const cy = row + sigmoid(out[o + 1]!);
        const w = Math.exp(out[o + 2]!) * aw;
        const h = Math.exp(out[o + 3]!) * ah;
        dets.push({ x: (cx - w / 2) * span, y: (cy - h / 2) * span, width: w * span, height: h * span, score: sigmoid(logit) });
      }
    }
  }
  return dets;
}

/** face-api's Tiny face detector (a Tiny-YOLOv2 with separable convolutions). */
class TinyFaceDetector implements FaceDetector {
  readonly name = "tiny-face" as const;
  private disposed = false;

  constructor(
    private readonly runner: NetworkRunner,
    /** Which engine runs the network. */
    readonly engine: "onnxruntime" | "tfjs",
    private readonly opts: Required<Omit<TinyFaceOptions, "modelDir" | "engine" | "threads">>,
  ) {}

  async detect(img: Image): Promise<Detection[]> {
    if (this.disposed) throw new FaceDetectError("disposed", "tiny-face detector used after dispose()");
    assertDetectableImage(img);
    const placement = placeInInput(img.width, img.height, this.opts.inputSize, this.opts.padToSquare);
    const { inputHeight: h, inputWidth: w } = placement;
    const data = networkInput(img, placement, MEAN_RGB, 1 / 255);
    const [out] = (await this.runner.run(data, h, w)) as [Float32Array];
    const raw = decode(out, h / 32, w / 32, this.opts.minScore, placement.scale);
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
 * Creates face-api's Tiny face detector (190 KB of weights from the `@vladmandic/face-api` npm package, MIT, an
 * optional peer dependency), read from disk with no network. Its ONNX graph runs on onnxruntime when
 * `onnxruntime-node` is installed, else on tfjs (see `engine`).
 * @throws {FaceDetectError} `bad-option` for invalid options, `missing-package` without `@vladmandic/face-api` (and
 * no `modelDir`), `model-load` if the weights cannot be read.
 */
export async function createTinyFaceDetector(options: TinyFaceOptions = {}): Promise<FaceDetector> {
  checkNumberOption("inputSize", options.inputSize, 32, 4096);
  if (options.inputSize !== undefined && options.inputSize % 32 !== 0) {
    throw new FaceDetectError("bad-option", `inputSize must be a multiple of 32, got ${options.inputSize}`);
  }
  checkNumberOption("minScore", options.minScore, 0.001, 0.999);
  checkNumberOption("iouThreshold", options.iouThreshold, 0, 1);
  checkNumberOption("maxResults", options.maxResults, 1);
  checkBooleanOption("padToSquare", options.padToSquare);
  checkNumberOption("minSize", options.minSize, 0);
  checkNumberOption("maxSize", options.maxSize, 0);
  checkThreadsOption(options.threads);
  const engine = await resolveEngine(options.engine);
  await ensureBackend();
  const weights = await loadWeightsFromDisk(options.modelDir ?? faceApiModelDir("tiny-face"), MODEL);
  let onnx: Uint8Array;
  try {
    onnx = tinyFaceOnnxModel(buildParams(weights));
  } finally {
    tf.dispose(weights);
  }
  const runner = await createOnnxRunner(engineRuntime(engine), onnx, ["grid"], { threads: options.threads });
  return new TinyFaceDetector(runner, engine.engine, {
    inputSize: options.inputSize ?? 416,
    padToSquare: options.padToSquare ?? false,
    minScore: options.minScore ?? 0.5,
    iouThreshold: options.iouThreshold ?? 0.4,
    maxResults: options.maxResults ?? 100,
    minSize: options.minSize ?? 0,
    maxSize: options.maxSize ?? 0,
  });
}
