import { loadCnn, type FeatureLayer, type FerCnn } from "@fer/cnn";
import { createDetector, type Detection, type DetectorName, type FaceDetector } from "@fer/face-detect";
import { headFromJSON, type Head } from "@fer/heads";
import { frameFace, mirror, mirrorFaces, type Box, type Image } from "@fer/preprocess";
import type { InferenceEngine } from "@fer/runtime";
import { annotate as drawAnnotations, saveImageAs, type AnnotateOptions } from "./annotate.js";
import { resolvePipeline, type PipelineConfig } from "./config.js";
import type { PresetName } from "./defaults.js";
import { PipelineError } from "./errors.js";
import { cnnFeaturiser, embedderFeaturiser, type Featuriser, type PipelineEmbedder } from "./featuriser.js";
import { assertHeadFits, cnnOwnHead, readHeadDocument } from "./head.js";
import { scoreFeatures } from "./scores.js";
import { checkImage, expandImageInputs, inputLabel, loadInput, mapBounded, UnreadableInput, type BatchInput, type ImageInput } from "./input.js";

/** Options of {@link createPipeline}. Everything is optional: the defaults work offline from a clean install. */
export interface PipelineOptions {
  /** `fast` (default): CNN features + the fast head. `accurate`: pretrained face-network embeddings + SVM (route 2; 18x slower, 1.2 points less accurate on FER2013 PublicTest, better on the rare classes disgust and fear). */
  readonly preset?: PresetName;
  /**
   * A detector name of `@fer/face-detect` (default `yunet`, on either engine; `ssd-mobilenet-v1` and `tiny-face` need
   * the optional `@vladmandic/face-api`, `haar` the optional `@techstark/opencv-js`; `models.detector` says which ran)
   * or a ready {@link FaceDetector} (not disposed by the pipeline).
   */
  readonly detector?: DetectorName | FaceDetector;
  /** Options passed to `createDetector` with a detector name (they win over `engine` and `threads`). */
  readonly detectorOptions?: Record<string, unknown>;
  /**
   * What runs the networks: `onnxruntime` (the optional `onnxruntime-node` package), `tfjs` (the backend
   * `initBackend` of `@fer/runtime` picks), or `auto` (default: onnxruntime when installed, else tfjs; the
   * `FER_ENGINE` environment variable replaces `auto`). Passed to the detector, the CNN and the accurate preset's
   * embedder (every network runs on either engine). `models.engines` says what ran.
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
  /** The CNN layer the head reads (CNN featurisers only). */
  readonly layer?: FeatureLayer;
  /** Crop margin (see {@link PipelineOptions.margin}). */
  readonly margin: number;
  /** Whether faces with landmarks are turned upright before cropping. */
  readonly align: boolean;
  /** Whether each face was classified with its mirror image, probabilities averaged. */
  readonly mirrorAverage: boolean;
  /** What ran each network: `onnxruntime` or `tfjs` (the detector's is absent for the Haar cascade). */
  readonly engines: { readonly detector?: "onnxruntime" | "tfjs"; readonly featuriser: "onnxruntime" | "tfjs" };
  /** The threads option, when given. */
  readonly threads?: number;
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
  /** What the pipeline is made of, in plain words and numbers (also on every {@link AnalysisResult}). */
  readonly models: ModelsUsed;
  /** The configuration the pipeline was built from ({@link resolvePipelineConfig} of its options). */
  readonly config: PipelineConfig;
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

/** The parts of a pipeline, built from its configuration. */
interface PipelineParts {
  readonly featuriser: Featuriser;
  readonly head: Head;
  readonly detector: FaceDetector;
}

/**
 * Builds the parts `config` names in one pass (featuriser, head, detector), pushing what it loads onto `owned`.
 * `headDocuments` are head files already read by the resolver.
 */
async function buildParts(config: PipelineConfig, headDocuments: ReadonlyMap<string, unknown>, owned: Array<{ dispose(): void }>): Promise<PipelineParts> {
  let cnn: FerCnn | undefined;
  let featuriser: Featuriser;
  const f = config.featuriser;
  if (f.kind === "cnn") {
    if (f.source === "given") cnn = f.cnn;
    else {
      cnn = await loadCnn(f.dir, { engine: config.engine, ...(config.threads !== undefined ? { threads: config.threads } : {}) });
      owned.push(cnn);
    }
    featuriser = cnnFeaturiser(cnn, config.layer ?? "dense1", { label: f.label });
  } else if (f.source === "given") {
    featuriser = embedderFeaturiser(f.embedder);
  } else {
    const { loadEmbedder } = await importEmbeddings();
    const embedder = await loadEmbedder(f.backbone, {
      ...(f.layer !== undefined ? { layer: f.layer } : {}),
      ...(f.weights !== undefined ? { weights: f.weights } : {}),
      engine: config.engine,
      ...(config.threads !== undefined ? { threads: config.threads } : {}),
    });
    featuriser = embedderFeaturiser(embedder, { owns: true });
    owned.push(featuriser);
  }

  let head: Head;
  const h = config.head;
  if (h.source === "given") head = h.head;
  else if (h.source === "file") {
    head = await headFromJSON(headDocuments.get(h.file) ?? (await readHeadDocument(h.file)));
    owned.push(head);
  } else {
    if (cnn === undefined) throw new PipelineError("bad-option", "the CNN's own classifier needs a CNN featuriser");
    head = cnnOwnHead(cnn);
  }
  assertHeadFits(head, featuriser);

  const d = config.detector;
  if (d.source === "given") return { featuriser, head, detector: d.detector };
  const detector = await createDetector(d.name, d.options as never);
  owned.push(detector);
  return { featuriser, head, detector };
}

/**
 * Builds a pipeline: detector + featuriser (a CNN from `@fer/cnn`, or an embedder) + head. With no options it uses
 * the `fast` preset: the CNN `@fer/cnn` ships, the shipped fast head (or the CNN's own classifier while none is
 * shipped), and the YuNet face detector. `{ head }` swaps only the head; the pipeline checks it fits the featuriser.
 * A head file marked `mirrorAverage` (as the shipped fast head is when it was chosen that way) classifies each face
 * together with its mirror image; `{ mirrorAverage }` overrides it.
 * The options are first resolved into a {@link PipelineConfig} (`resolvePipelineConfig`, which says what each
 * option decides), then the parts are built from it; `pipeline.config` and `pipeline.models` report it.
 * @throws {PipelineError} `no-model`, `head-mismatch`, `preset-unavailable`, `missing-package` or `bad-option`.
 */
export async function createPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  const { config, headDocuments } = await resolvePipeline(options);
  // Initialise the one tfjs backend (chosen by @fer/runtime) before any model is created.
  const { initBackend } = await import("@fer/runtime");
  await initBackend(config.threads !== undefined ? { wasmThreads: config.threads } : {});

  const owned: Array<{ dispose(): void }> = [];
  try {
    const { featuriser, head, detector } = await buildParts(config, headDocuments, owned);
    const { margin, align, minFaceSize, mirrorAverage } = config;
    const classes = featuriser.classes;
    const headClassIndex = head.classes.map((c) => classes.indexOf(c));
    const engines = { ...(detector.engine === undefined ? {} : { detector: detector.engine }), featuriser: featuriser.engine };
    const models: ModelsUsed = {
      preset: config.preset,
      detector: detector.name,
      featuriser: featuriser.name,
      head: config.head.label,
      ...(config.layer !== undefined && featuriser.kind === "cnn" ? { layer: config.layer } : {}),
      margin,
      align,
      mirrorAverage,
      engines,
      ...(config.threads !== undefined ? { threads: config.threads } : {}),
    };
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
      config,
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
