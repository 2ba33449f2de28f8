import { readFile } from "node:fs/promises";
import path from "node:path";
import { cnnFeaturiserId, loadCnn, type FeatureLayer, type FerCnn } from "@fer/cnn";
import { createDetector, FaceDetectError, isDetectorName, type Detection, type DetectorName, type FaceDetector } from "@fer/face-detect";
import type { Head } from "@fer/heads";
import { sameFeaturiser, type FeaturiserId } from "@fer/heads/node";
import { frameFace, mirror, mirrorFaces, MIN_MARGIN, type Box, type Image } from "@fer/preprocess";
import type { InferenceEngine } from "@fer/runtime";
import { annotate as drawAnnotations, saveImageAs, type AnnotateOptions } from "./annotate.js";
import {
  accuratePresetFile,
  DEFAULT_ALIGN,
  DEFAULT_DETECTOR,
  FALLBACK_DETECTOR,
  DEFAULT_MARGINS,
  findDefaultCnn,
  defaultFastHeadFile,
  isPresetName,
  type AccuratePresetConfig,
  type PresetName,
} from "./defaults.js";
import { PipelineError } from "./errors.js";
import { cnnFeaturiser, embedderFeaturiser, type Featuriser, type PipelineEmbedder } from "./featuriser.js";
import { assertHeadFits, cnnOwnHead, CNN_OWN_HEAD_LAYER, describeFeaturiser, loadHeadFile } from "./head.js";
import { scoreFeatures } from "./scores.js";
import { checkImage, expandImageInputs, inputLabel, loadInput, mapBounded, UnreadableInput, type BatchInput, type ImageInput } from "./input.js";

/** Options of {@link createPipeline}. Everything is optional: the defaults work offline from a clean install. */
export interface PipelineOptions {
  /** `fast` (default): CNN features + the fast head. `accurate`: pretrained face-network embeddings + SVM (route 2; 18x slower, 1.2 points less accurate on FER2013 PublicTest, better on the rare classes disgust and fear). */
  readonly preset?: PresetName;
  /**
   * A detector name of `@fer/face-detect` (default `yunet`, or `ssd-mobilenet-v1` when onnxruntime-node is not
   * installed; `models.detector` says which ran) or a ready {@link FaceDetector} (not disposed by the pipeline).
   */
  readonly detector?: DetectorName | FaceDetector;
  /** Options passed to `createDetector` with a detector name (they win over `engine` and `threads`). */
  readonly detectorOptions?: Record<string, unknown>;
  /**
   * What runs the networks: `onnxruntime` (the optional `onnxruntime-node` package), `tfjs` (the backend
   * `initBackend` of `@fer/runtime` picks), or `auto` (default: onnxruntime when installed, else tfjs; the
   * `FER_ENGINE` environment variable replaces `auto`). Passed to the detector, the CNN and the accurate preset's
   * embedder; with `tfjs` the default detector is the one that runs on tfjs (`ssd-mobilenet-v1`). `models.engines`
   * says what ran.
   */
  readonly engine?: InferenceEngine;
  /**
   * Threads for the networks: onnxruntime's intra-op threads of the detector and the CNN, and the threads of tfjs's
   * WebAssembly backend when this call initialises it. Default: each engine's own (see `@fer/runtime`).
   */
  readonly threads?: number;
  /** The CNN: a model folder written by `fer train`, or a loaded {@link FerCnn} (not disposed by the pipeline). */
  readonly cnn?: string | FerCnn;
  /** A pretrained embedder to use instead of a CNN (route 2); not disposed by the pipeline. */
  readonly embedder?: PipelineEmbedder;
  /**
   * The head: a fitted {@link Head} (not disposed by the pipeline) or a saved head file (`head.toJSON()` as JSON).
   * Default: the preset's head. It must fit the featuriser (same feature dimension, known classes).
   */
  readonly head?: Head | string;
  /** The CNN layer a swapped head reads (default: the head file's `featureLayer`, else `dense1`, the study's best). */
  readonly featureLayer?: FeatureLayer;
  /**
   * Crop margin: fraction of the detected box's longer side added on every side of the square crop, whose side is
   * `max(width, height) * (1 + 2 * margin)`; in [-0.25, 1] (negative cuts inside the box). Default per detector
   * (`DEFAULT_MARGINS`, chosen on the synthetic portrait validation set; see the README).
   */
  readonly margin?: number;
  /**
   * Turn each face so its eyes are level before cropping (one affine warp from the photo), when the detector gives
   * landmarks (`yunet`); faces without landmarks are cropped unturned. Default `DEFAULT_ALIGN` (chosen on the
   * synthetic portrait validation set; see the README).
   */
  readonly align?: boolean;
  /** Faces whose detected box is smaller than this (px, shorter side) are ignored. Default 0. */
  readonly minFaceSize?: number;
  /**
   * Classify each face and its mirror image and average the head's probabilities (test-time augmentation: better
   * accuracy for twice the featuriser's time). Default: what the head file says (the shipped fast head was chosen
   * this way), else false.
   */
  readonly mirrorAverage?: boolean;
}

/** One face found and classified. */
export interface FaceResult {
  /** The detected box, in pixels of the input image. */
  readonly box: Box;
  /** The detector's own score (scale depends on the detector), when it has one. */
  readonly detectionScore?: number;
  /** The most likely emotion. */
  readonly emotion: string;
  /** Its score (the largest of `scores`). */
  readonly confidence: number;
  /** Score per class, in the pipeline's class order; they sum to 1. */
  readonly scores: Record<string, number>;
}

/** Which models made a call. */
export interface ModelsUsed {
  readonly preset: PresetName | "custom";
  readonly detector: string;
  readonly featuriser: string;
  readonly head: string;
  /** Whether each face was classified with its mirror image, probabilities averaged. */
  readonly mirrorAverage: boolean;
  /** What ran each network: `onnxruntime` or `tfjs` (the detector's is absent for the Haar cascade). */
  readonly engines: { readonly detector?: "onnxruntime" | "tfjs"; readonly featuriser: "onnxruntime" | "tfjs" };
}

/** The result of analysing one image. */
export interface AnalysisResult {
  /** The input's path, or `<buffer>` / `<image>`. */
  readonly file: string;
  readonly width: number;
  readonly height: number;
  /** One entry per face, in the detector's order (highest score first); empty when no face is found. */
  readonly faces: FaceResult[];
  readonly models: ModelsUsed;
}

/** One entry of a batch: the result, or the error that stopped this input (the batch goes on). */
export type BatchItem =
  | { readonly file: string; readonly result: AnalysisResult; readonly error?: undefined; readonly image?: Image }
  | { readonly file: string; readonly result?: undefined; readonly error: Error; readonly image?: undefined };

/** Options of {@link Pipeline.analyzeEach}. */
export interface BatchOptions {
  /** Inputs in flight at once (decoding overlaps inference). Default 2. */
  readonly concurrency?: number;
  /** Keep the decoded image on each item (e.g. to annotate it); default false. */
  readonly keepImages?: boolean;
}

/** Scores of a batch of face crops. */
export interface FaceScores {
  readonly emotion: string;
  readonly confidence: number;
  readonly scores: Record<string, number>;
}

/** A ready pipeline: detector, featuriser and head, loaded once and reused for every image. */
export interface Pipeline {
  readonly models: ModelsUsed;
  /** Class order of the scores. */
  readonly classes: readonly string[];
  readonly featuriser: Featuriser;
  readonly head: Head;
  readonly detector: FaceDetector;
  /** Crop margin in use. */
  readonly margin: number;
  /** Whether faces with landmarks are turned upright before cropping. */
  readonly align: boolean;
  /** Finds, crops and classifies every face of one image. No face: `faces` is empty. */
  analyze(input: ImageInput): Promise<AnalysisResult>;
  /** {@link Pipeline.analyze} on a decoded image, returning the result only. */
  analyzeImage(image: Image, file?: string): Promise<AnalysisResult>;
  /**
   * Analyses many inputs (paths of files, buffers, images) with bounded concurrency, yielding one item per
   * image in input order; an input that fails (or an {@link UnreadableInput} from folder expansion) becomes an item
   * with `error` and the rest go on. The inputs are pulled only as they are taken, so an iterable that stops ends the
   * batch after the ones in flight.
   */
  analyzeEach(inputs: Iterable<BatchInput> | AsyncIterable<BatchInput>, options?: BatchOptions): AsyncGenerator<BatchItem>;
  /**
   * {@link Pipeline.analyzeEach} collected into an array; folders are expanded to their image files (a sub-folder
   * that cannot be listed, or a FIFO or device, becomes an item with `error`, and the rest go on).
   */
  analyzeBatch(inputs: readonly BatchInput[], options?: BatchOptions): Promise<BatchItem[]>;
  /** Classifies face crops that are already cut out (any size; each is preprocessed like at training). */
  classifyFaces(faces: readonly Image[]): Promise<FaceScores[]>;
  /** Classifies `count` square gray faces of side `featuriser.faceSize` stored back to back (a FER2013-style block). */
  classifyGrayBlock(pixels: Uint8Array, count: number): Promise<FaceScores[]>;
  /** Draws the result's boxes and labels on the image (see `annotate`). */
  annotate(image: Image, result: AnalysisResult, options?: AnnotateOptions): Image;
  /**
   * Draws the result on the image (a path, an encoded Buffer or a decoded Image, like `analyze`) and saves it as PNG
   * or JPEG (by extension), creating the file's folder; the write is atomic.
   */
  saveAnnotated(image: ImageInput, result: AnalysisResult, file: string, options?: AnnotateOptions): Promise<void>;
  /** Frees the models the pipeline loaded itself. Idempotent. */
  dispose(): void;
}

/** The detectors whose network runs on either engine (the others run on onnxruntime only, or have no network). */
const EITHER_ENGINE_DETECTORS: readonly DetectorName[] = ["ssd-mobilenet-v1", "tiny-face"];
const ONNX_ONLY_DETECTORS: readonly DetectorName[] = ["yunet", "ultraface"];

/** `engine` and `threads` as options of the detector `name`, under the caller's own `detectorOptions`. */
function detectorOptionsFor(name: DetectorName, options: PipelineOptions): Record<string, unknown> {
  const engine = EITHER_ENGINE_DETECTORS.includes(name) && options.engine !== undefined ? { engine: options.engine } : {};
  const threads = name !== "haar" && options.threads !== undefined ? { threads: options.threads } : {};
  return { ...engine, ...threads, ...options.detectorOptions };
}

async function resolveDetector(options: PipelineOptions): Promise<{ detector: FaceDetector; owned: boolean }> {
  // The default detector runs on onnxruntime only: with the tfjs engine the pipeline takes the fallback directly.
  const d = options.detector ?? (options.engine === "tfjs" ? FALLBACK_DETECTOR : DEFAULT_DETECTOR);
  if (typeof d !== "string") return { detector: d, owned: false };
  if (!isDetectorName(d)) throw new PipelineError("bad-option", `unknown detector "${d}"`);
  if (options.engine === "tfjs" && ONNX_ONLY_DETECTORS.includes(d)) {
    throw new PipelineError("bad-option", `the ${d} detector runs on onnxruntime only, and engine "tfjs" was asked for`);
  }
  try {
    return { detector: await createDetector(d, detectorOptionsFor(d, options) as never), owned: true };
  } catch (e) {
    // The default runs on onnxruntime only; without onnxruntime-node the pipeline still works, with the fallback.
    if (options.detector !== undefined || !(e instanceof FaceDetectError) || e.kind !== "engine-unavailable") throw e;
    return { detector: await createDetector(FALLBACK_DETECTOR, detectorOptionsFor(FALLBACK_DETECTOR, options) as never), owned: true };
  }
}

async function loadAccurate(options: Pick<PipelineOptions, "engine" | "threads">): Promise<{ featuriser: Featuriser; head: Head; mirrorAverage?: boolean }> {
  const file = accuratePresetFile();
  let config: AccuratePresetConfig;
  try {
    config = JSON.parse(await readFile(file, "utf8")) as AccuratePresetConfig;
  } catch {
    throw new PipelineError(
      "preset-unavailable",
      `the accurate preset (face-api ResNet-34 embeddings + SVM, the study's route 2) is missing from this installation: cannot read ${file}. ` +
        "Reinstall @fer/pipeline, use the fast preset, or pass { embedder, head } (an Embedder from @fer/embeddings-vggface2 and a head fitted on its features).",
    );
  }
  const dir = path.dirname(file);
  const { loadEmbedder } = await importEmbeddings();
  const embedder = await loadEmbedder(config.backbone, {
    ...(config.layer !== undefined ? { layer: config.layer } : {}),
    ...(config.weights !== undefined ? { weights: path.resolve(dir, config.weights) } : {}),
    ...(options.engine !== undefined ? { engine: options.engine } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
  const { head, mirrorAverage } = await loadHeadFile(path.resolve(dir, config.head));
  return { featuriser: embedderFeaturiser(embedder, { owns: true }), head, ...(mirrorAverage !== undefined ? { mirrorAverage } : {}) };
}

/** The npm package of the accurate preset's backbone: an optional peer dependency, loaded only for that preset. */
export const EMBEDDINGS_PACKAGE = "@fer/embeddings-vggface2";

/**
 * Loads the optional `@fer/embeddings-vggface2` (the accurate preset's backbone; it brings TensorFlow.js's converter and
 * h5wasm, which the fast preset does not need). Throws a `missing-package` PipelineError naming it when not installed.
 */
async function importEmbeddings(): Promise<typeof import("@fer/embeddings-vggface2")> {
  try {
    return await import("@fer/embeddings-vggface2");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== "ERR_MODULE_NOT_FOUND" || !err.message.includes(EMBEDDINGS_PACKAGE)) throw e;
    throw new PipelineError(
      "missing-package",
      `the accurate preset needs ${EMBEDDINGS_PACKAGE}, which is not installed: install it beside @fer/pipeline ` +
        `(npm install ${EMBEDDINGS_PACKAGE}, from its tarball while the packages are not on the registry), or use the fast preset`,
      { cause: e },
    );
  }
}

/**
 * Builds a pipeline: detector + featuriser (a CNN from `@fer/cnn`, or an embedder) + head. With no options it uses
 * the `fast` preset: the CNN `@fer/cnn` ships, the shipped fast head (or the CNN's own classifier while none is
 * shipped), and the YuNet face detector (SSD MobileNet v1 without onnxruntime-node). `{ head }` swaps only the head; the pipeline checks it fits the featuriser.
 * A head file marked `mirrorAverage` (as the shipped fast head is when it was chosen that way) classifies each face
 * together with its mirror image; `{ mirrorAverage }` overrides it.
 * @throws {PipelineError} `no-model`, `head-mismatch`, `preset-unavailable` or `bad-option`.
 */
export async function createPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  const preset = options.preset ?? "fast";
  if (!isPresetName(preset)) throw new PipelineError("bad-option", `unknown preset "${String(preset)}" (use fast or accurate)`);
  if (options.margin !== undefined && !(Number.isFinite(options.margin) && options.margin >= MIN_MARGIN && options.margin <= 1)) {
    throw new PipelineError("bad-option", `margin must be a number in [${MIN_MARGIN}, 1], got ${String(options.margin)}`);
  }
  if (options.align !== undefined && typeof options.align !== "boolean") {
    throw new PipelineError("bad-option", `align must be true or false, got ${String(options.align)}`);
  }
  if (options.featureLayer !== undefined && options.featureLayer !== "dense1" && options.featureLayer !== "dense2") {
    throw new PipelineError("bad-option", `featureLayer must be dense1 or dense2, got ${String(options.featureLayer)}`);
  }
  if (options.mirrorAverage !== undefined && typeof options.mirrorAverage !== "boolean") {
    throw new PipelineError("bad-option", `mirrorAverage must be true or false, got ${String(options.mirrorAverage)}`);
  }
  if (options.engine !== undefined && options.engine !== "auto" && options.engine !== "onnxruntime" && options.engine !== "tfjs") {
    throw new PipelineError("bad-option", `engine must be auto, onnxruntime or tfjs, got ${String(options.engine)}`);
  }
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new PipelineError("bad-option", `threads must be a positive integer, got ${String(options.threads)}`);
  }
  // Initialise the one tfjs backend (chosen by @fer/runtime) before any model is created.
  const { initBackend } = await import("@fer/runtime");
  await initBackend(options.threads !== undefined ? { wasmThreads: options.threads } : {});

  const owned: Array<{ dispose(): void }> = [];
  try {
    // The head given as a file is read first: it may say which CNN layer it was fitted on.
    let head: Head | undefined;
    let headLabel = "";
    let headLayer: FeatureLayer | undefined;
    let headFeaturiser: FeaturiserId | undefined;
    let headMirrorAverage: boolean | undefined;
    if (typeof options.head === "string") {
      const loaded = await loadHeadFile(options.head);
      head = loaded.head;
      owned.push(head);
      headLayer = loaded.featureLayer;
      headFeaturiser = loaded.featuriser;
      headMirrorAverage = loaded.mirrorAverage;
      headLabel = `${head.kind} (${path.basename(options.head)})`;
    } else if (options.head !== undefined) {
      head = options.head;
      headLabel = head.kind;
    }

    let featuriser: Featuriser;
    let usedPreset: PresetName | "custom" = options.head !== undefined || options.cnn !== undefined || options.embedder !== undefined ? "custom" : preset;
    if (options.embedder !== undefined) {
      featuriser = embedderFeaturiser(options.embedder);
      if (head === undefined) throw new PipelineError("bad-option", "an embedder needs a head fitted on its features: pass { embedder, head }");
    } else if (preset === "accurate" && options.cnn === undefined) {
      const acc = await loadAccurate(options);
      featuriser = acc.featuriser;
      owned.push(featuriser);
      if (head === undefined) {
        head = acc.head;
        headMirrorAverage = acc.mirrorAverage;
        owned.push(head);
        headLabel = `${head.kind} (accurate preset)`;
      } else owned.push(acc.head);
      usedPreset = options.head === undefined ? "accurate" : "custom";
    } else {
      let cnn: FerCnn;
      let label: string;
      if (options.cnn !== undefined && typeof options.cnn !== "string") {
        cnn = options.cnn;
        label = "given model";
      } else {
        const found = options.cnn !== undefined ? { dir: options.cnn } : await findDefaultCnn();
        const dir = found.dir;
        if (dir === undefined) {
          throw new PipelineError(
            "no-model",
            `no CNN given and no shipped one found (${found.reason ?? "none"}): pass { cnn: <model folder written by \`fer train\`> } or set FER_CNN_DIR`,
          );
        }
        cnn = await loadCnn(dir, {
          ...(options.engine !== undefined ? { engine: options.engine } : {}),
          ...(options.threads !== undefined ? { threads: options.threads } : {}),
        });
        owned.push(cnn);
        label = path.basename(dir) === "best" ? path.basename(path.dirname(dir)) : path.basename(dir);
      }
      if (head === undefined) {
        const fastHead = options.cnn === undefined ? defaultFastHeadFile() : undefined;
        const loaded = fastHead !== undefined ? await loadHeadFile(fastHead) : undefined;
        // The shipped fast head belongs to the shipped CNN; with another CNN (FER_CNN_DIR) it would classify noise.
        const fits = loaded !== undefined && sameFeaturiser(loaded.featuriser, cnnFeaturiserId(cnn.card, loaded.featureLayer ?? "dense1"));
        if (loaded !== undefined && fits) {
          head = loaded.head;
          owned.push(head);
          headLayer = loaded.featureLayer;
          headMirrorAverage = loaded.mirrorAverage;
          headLabel = `${head.kind} (fast preset)`;
        } else {
          loaded?.head.dispose();
          head = cnnOwnHead(cnn);
          headLayer = CNN_OWN_HEAD_LAYER;
          headLabel = `cnn-output (the CNN's own classifier${loaded !== undefined ? "; the shipped fast head was fitted on another CNN" : ""})`;
        }
      }
      const layer = options.featureLayer ?? headLayer ?? "dense1";
      if (headFeaturiser !== undefined && !sameFeaturiser(headFeaturiser, cnnFeaturiserId(cnn.card, layer))) {
        throw new PipelineError(
          "head-mismatch",
          `the head ${headLabel} was fitted on features of ${describeFeaturiser(headFeaturiser)}, but this pipeline reads ` +
            `${describeFeaturiser(cnnFeaturiserId(cnn.card, layer))}: fit the head on this CNN's features (fer features, then fer fit-head)`,
        );
      }
      featuriser = cnnFeaturiser(cnn, layer, { label });
    }
    assertHeadFits(head, featuriser);

    const { detector, owned: ownsDetector } = await resolveDetector(options);
    if (ownsDetector) owned.push(detector);
    const margin = options.margin ?? DEFAULT_MARGINS[detector.name] ?? 0;
    const align = options.align ?? DEFAULT_ALIGN;
    const minFaceSize = options.minFaceSize ?? 0;
    const classes = featuriser.classes;
    const headClassIndex = head.classes.map((c) => classes.indexOf(c));
    const mirrorAverage = options.mirrorAverage ?? headMirrorAverage ?? false;
    const engines = { ...(detector.engine === undefined ? {} : { detector: detector.engine }), featuriser: featuriser.engine };
    const models: ModelsUsed = { preset: usedPreset, detector: detector.name, featuriser: featuriser.name, head: headLabel, mirrorAverage, engines };
    const theHead = head;
    let disposed = false;

    const check = () => {
      if (disposed) throw new PipelineError("disposed", "the pipeline was disposed");
    };
    // With mirror averaging the featuriser gets the faces then their mirror images in one batch: 2 * count rows.
    const scoresOf = (features: Float32Array, count: number): FaceScores[] => scoreFeatures(theHead, features, count, mirrorAverage, classes, headClassIndex);
    const classifyFaces = async (faces: readonly Image[]): Promise<FaceScores[]> => {
      check();
      if (faces.length === 0) return [];
      return scoresOf(await featuriser.features(mirrorAverage ? [...faces, ...faces.map((f) => mirror(f))] : faces), faces.length);
    };
    const analyzeImage = async (image: Image, file = "<image>"): Promise<AnalysisResult> => {
      check();
      checkImage(image, file);
      const found: Detection[] = (await detector.detect(image)).filter((d) => Math.min(d.width, d.height) >= minFaceSize);
      const crops = found.map((d) => frameFace(image, d, { margin, align, ...(d.landmarks !== undefined ? { eyes: d.landmarks } : {}) }));
      const scored = await classifyFaces(crops);
      const faces = found.map((d, i): FaceResult => {
        const s = scored[i] as FaceScores;
        return {
          box: { x: d.x, y: d.y, width: d.width, height: d.height },
          ...(d.score !== undefined ? { detectionScore: d.score } : {}),
          emotion: s.emotion,
          confidence: s.confidence,
          scores: s.scores,
        };
      });
      return { file, width: image.width, height: image.height, faces, models };
    };
    const analyzeEach = (inputs: Iterable<BatchInput> | AsyncIterable<BatchInput>, batch: BatchOptions = {}): AsyncGenerator<BatchItem> =>
      mapBounded(inputs, batch.concurrency ?? 2, async (input): Promise<BatchItem> => {
        const file = inputLabel(input);
        if (input instanceof UnreadableInput) return { file, error: input.error };
        try {
          const image = await loadInput(input);
          const result = await analyzeImage(image, file);
          return batch.keepImages ? { file, result, image } : { file, result };
        } catch (e) {
          if (e instanceof PipelineError && e.kind === "disposed") throw e;
          return { file, error: e instanceof Error ? e : new Error(String(e)) };
        }
      });

    return {
      models,
      classes,
      featuriser,
      head: theHead,
      detector,
      margin,
      align,
      async analyze(input) {
        check();
        return analyzeImage(await loadInput(input), inputLabel(input));
      },
      analyzeImage,
      analyzeEach,
      async analyzeBatch(inputs, batch = {}) {
        const flat: BatchInput[] = [];
        for (const i of inputs) {
          if (typeof i === "string") flat.push(...(await expandImageInputs([i])));
          else flat.push(i);
        }
        const out: BatchItem[] = [];
        for await (const item of analyzeEach(flat, batch)) out.push(item);
        return out;
      },
      classifyFaces,
      async classifyGrayBlock(pixels, count) {
        check();
        const size = featuriser.faceSize;
        if (!mirrorAverage) return scoresOf(await featuriser.featuresOfGrayBlock(pixels, count), count);
        if (pixels.length !== count * size * size) {
          throw new PipelineError("bad-input", `expected ${count} gray faces of ${size}x${size} (${count * size * size} bytes), got ${pixels.length}`);
        }
        const both = new Uint8Array(2 * pixels.length);
        both.set(pixels);
        both.set(mirrorFaces(pixels, count, size), pixels.length);
        return scoresOf(await featuriser.featuresOfGrayBlock(both, 2 * count), count);
      },
      annotate(image, result, annotateOptions) {
        return drawAnnotations(image, result.faces, annotateOptions);
      },
      async saveAnnotated(image, result, file, annotateOptions) {
        await saveImageAs(drawAnnotations(await loadInput(image), result.faces, annotateOptions), file);
      },
      dispose() {
        if (disposed) return;
        disposed = true;
        for (const o of owned.reverse()) o.dispose();
      },
    };
  } catch (e) {
    for (const o of owned.reverse()) o.dispose();
    throw e;
  }
}
