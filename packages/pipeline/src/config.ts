import { readFile } from "node:fs/promises";
import path from "node:path";
import { cnnFeaturiserId, readModelCard, type FeatureLayer, type FerCnn, type ModelCard } from "@fer/cnn";
import { isDetectorName, type DetectorName, type FaceDetector } from "@fer/face-detect";
import type { Head } from "@fer/heads";
import { sameFeaturiser } from "@fer/heads/node";
import { MIN_MARGIN } from "@fer/preprocess";
import type { InferenceEngine } from "@fer/runtime";
import {
  accuratePresetFile,
  DEFAULT_ALIGN,
  DEFAULT_DETECTOR,
  DEFAULT_MARGINS,
  defaultFastHeadFile,
  findDefaultCnn,
  isPresetName,
  type AccuratePresetConfig,
  type PresetName,
} from "./defaults.js";
import { PipelineError } from "./errors.js";
import type { PipelineEmbedder } from "./featuriser.js";
import { CNN_OWN_HEAD_LAYER, describeFeaturiser, headFileInfo, readHeadDocument, type HeadFileInfo } from "./head.js";
import type { PipelineOptions } from "./pipeline.js";

/** The face detector a pipeline uses: one the caller made, or one it creates by name. */
export type DetectorChoice =
  | {
      readonly source: "given";
      /** The detector's own name. */
      readonly name: string;
      /** The caller's detector (not disposed by the pipeline). */
      readonly detector: FaceDetector;
    }
  | {
      readonly source: "name";
      readonly name: DetectorName;
      /** The options `createDetector` gets: `engine` and `threads` when they apply, under the caller's `detectorOptions`. */
      readonly options: Readonly<Record<string, unknown>>;
    };

/** What turns face crops into feature vectors. */
export type FeaturiserChoice =
  | {
      readonly kind: "cnn";
      readonly source: "folder";
      /** The model folder loaded with `loadCnn` (the shipped CNN, `FER_CNN_DIR`, or `options.cnn`). */
      readonly dir: string;
      /** How the featuriser names it: the folder's name (its parent's for a `best` folder). */
      readonly label: string;
    }
  | { readonly kind: "cnn"; readonly source: "given"; readonly label: "given model"; readonly cnn: FerCnn }
  | { readonly kind: "embedder"; readonly source: "given"; readonly embedder: PipelineEmbedder }
  | {
      readonly kind: "embedder";
      readonly source: "accurate-preset";
      /** Backbone name for `@fer/embeddings-vggface2`'s `loadEmbedder`. */
      readonly backbone: string;
      readonly layer?: string;
      /** Absolute path of the weights, when the preset names a file. */
      readonly weights?: string;
    };

/** The head that classifies the features. */
export type HeadChoice =
  | { readonly source: "given"; readonly label: string; readonly head: Head }
  | {
      readonly source: "file";
      /** What `models.head` says: the head's kind and where it comes from, e.g. `svm (accurate preset)`. */
      readonly label: string;
      /** The saved head (`options.head`, the fast preset's or the accurate preset's). */
      readonly file: string;
    }
  | { readonly source: "cnn-output"; readonly label: string };

/**
 * Everything a pipeline is made of, resolved from a preset and {@link PipelineOptions} before any network is loaded
 * (by {@link resolvePipelineConfig}): plain data, except the objects the caller passed in. `createPipeline` builds
 * the parts from it in one pass, and `pipeline.config` is the configuration it ran.
 */
export interface PipelineConfig {
  /** `fast` or `accurate`, or `custom` when a CNN, an embedder or a head was given. */
  readonly preset: PresetName | "custom";
  readonly detector: DetectorChoice;
  readonly featuriser: FeaturiserChoice;
  readonly head: HeadChoice;
  /** The CNN layer the head reads (CNN featurisers only). */
  readonly layer?: FeatureLayer;
  /** Crop margin (the option, else the detector's `DEFAULT_MARGINS` entry, else 0). */
  readonly margin: number;
  readonly align: boolean;
  readonly minFaceSize: number;
  /** Whether each face is classified with its mirror image (the option, else the head file's, else false). */
  readonly mirrorAverage: boolean;
  /** The engine asked for (`auto` unless the option says); `models.engines` says what ran. */
  readonly engine: InferenceEngine;
  readonly threads?: number;
}

/** A resolved configuration and the head documents read on the way (so that building does not read them again). */
export interface ResolvedPipeline {
  readonly config: PipelineConfig;
  readonly headDocuments: ReadonlyMap<string, unknown>;
}

function checkOptions(options: PipelineOptions): PresetName {
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
  return preset;
}

/** `engine` and `threads` as options of the detector `name` (every one but `haar` runs a network on either engine), under the caller's own `detectorOptions`. */
function detectorOptionsFor(name: DetectorName, options: PipelineOptions): Record<string, unknown> {
  const engine = name !== "haar" && options.engine !== undefined ? { engine: options.engine } : {};
  const threads = name !== "haar" && options.threads !== undefined ? { threads: options.threads } : {};
  return { ...engine, ...threads, ...options.detectorOptions };
}

const marginOf = (name: string, options: PipelineOptions): number => options.margin ?? (DEFAULT_MARGINS as Readonly<Record<string, number>>)[name] ?? 0;

function chooseDetector(options: PipelineOptions): DetectorChoice {
  // The default (YuNet) runs on either engine, like every network detector.
  const d = options.detector ?? DEFAULT_DETECTOR;
  if (typeof d !== "string") return { source: "given", name: d.name, detector: d };
  if (!isDetectorName(d)) throw new PipelineError("bad-option", `unknown detector "${d}"`);
  return { source: "name", name: d, options: detectorOptionsFor(d, options) };
}

async function readAccuratePreset(): Promise<{ config: AccuratePresetConfig; dir: string }> {
  const file = accuratePresetFile();
  try {
    return { config: JSON.parse(await readFile(file, "utf8")) as AccuratePresetConfig, dir: path.dirname(file) };
  } catch {
    throw new PipelineError(
      "preset-unavailable",
      `the accurate preset (face-api ResNet-34 embeddings + SVM, the study's route 2) is missing from this installation: cannot read ${file}. ` +
        "Reinstall @fer/pipeline, use the fast preset, or pass { embedder, head } (an Embedder from @fer/embeddings-vggface2 and a head fitted on its features).",
    );
  }
}

/** The CNN of the pipeline and its card: the caller's, `options.cnn`'s folder, or the shipped one (or `FER_CNN_DIR`). */
async function chooseCnn(cnn: string | FerCnn | undefined): Promise<{ choice: FeaturiserChoice & { kind: "cnn" }; card: ModelCard }> {
  if (cnn !== undefined && typeof cnn !== "string") return { choice: { kind: "cnn", source: "given", label: "given model", cnn }, card: cnn.card };
  const found = cnn !== undefined ? { dir: cnn } : await findDefaultCnn();
  const dir = found.dir;
  if (dir === undefined) {
    throw new PipelineError(
      "no-model",
      `no CNN given and no shipped one found (${found.reason ?? "none"}): pass { cnn: <model folder written by \`fer train\`> } or set FER_CNN_DIR`,
    );
  }
  const label = path.basename(dir) === "best" ? path.basename(path.dirname(dir)) : path.basename(dir);
  return { choice: { kind: "cnn", source: "folder", dir, label }, card: await readModelCard(dir) };
}

/**
 * Resolves a preset and {@link PipelineOptions} into the {@link PipelineConfig} `createPipeline` builds, without
 * loading any network: it checks the options, reads the head file's header (it may say which CNN layer the head was
 * fitted on, and whether it averages mirror images), the CNN's model card (to check the head was fitted on this CNN),
 * and the accurate preset's description. Same rules and errors as `createPipeline`:
 * - `{ embedder }` needs `{ head }`; `{ cnn }` or `{ embedder }` replaces the preset's featuriser, `{ head }` its head
 *   (then `preset` is `custom`).
 * - Without `{ head }`, the fast preset's head is the shipped fast head when it was fitted on this CNN, else the CNN's
 *   own classifier (`cnn-output`, on `dense2`); the accurate preset's is its SVM.
 * - `layer`: `featureLayer`, else the head file's, else `dense1`.
 * - `mirrorAverage`: the option, else the head file's, else false. `margin`: the option, else the detector's default.
 * - The detector: the option, else `yunet` (on either engine).
 * @throws {PipelineError} `bad-option`, `no-model`, `head-mismatch` or `preset-unavailable`; `ModelFolderError`
 *   (`@fer/cnn`) for an unreadable model card.
 */
export async function resolvePipelineConfig(options: PipelineOptions = {}): Promise<PipelineConfig> {
  return (await resolvePipeline(options)).config;
}

/** {@link resolvePipelineConfig}, also returning the head documents it read (for `createPipeline`). */
export async function resolvePipeline(options: PipelineOptions = {}): Promise<ResolvedPipeline> {
  const preset = checkOptions(options);
  const detector = chooseDetector(options);
  const headDocuments = new Map<string, unknown>();
  const readHead = async (file: string): Promise<HeadFileInfo> => {
    const json = await readHeadDocument(file);
    headDocuments.set(file, json);
    return headFileInfo(json);
  };

  // The head given as a file is read first: it may say which CNN layer it was fitted on.
  let head: HeadChoice | undefined;
  let info: Partial<HeadFileInfo> = {};
  if (typeof options.head === "string") {
    info = await readHead(options.head);
    head = { source: "file", file: options.head, label: `${info.kind} (${path.basename(options.head)})` };
  } else if (options.head !== undefined) {
    head = { source: "given", label: options.head.kind, head: options.head };
  }
  const userHeadFeaturiser = info.featuriser;

  let featuriser: FeaturiserChoice;
  let layer: FeatureLayer | undefined;
  if (options.embedder !== undefined) {
    if (head === undefined) throw new PipelineError("bad-option", "an embedder needs a head fitted on its features: pass { embedder, head }");
    featuriser = { kind: "embedder", source: "given", embedder: options.embedder };
  } else if (preset === "accurate" && options.cnn === undefined) {
    const { config, dir } = await readAccuratePreset();
    featuriser = {
      kind: "embedder",
      source: "accurate-preset",
      backbone: config.backbone,
      ...(config.layer !== undefined ? { layer: config.layer } : {}),
      ...(config.weights !== undefined ? { weights: path.resolve(dir, config.weights) } : {}),
    };
    if (head === undefined) {
      const file = path.resolve(dir, config.head);
      info = await readHead(file);
      head = { source: "file", file, label: `${info.kind} (accurate preset)` };
    }
  } else {
    const { choice, card } = await chooseCnn(options.cnn);
    featuriser = choice;
    if (head === undefined) {
      const fastHead = options.cnn === undefined ? defaultFastHeadFile() : undefined;
      const fast = fastHead !== undefined ? await readHead(fastHead) : undefined;
      // The shipped fast head belongs to the shipped CNN; with another CNN (FER_CNN_DIR) it would classify noise.
      if (fastHead !== undefined && fast !== undefined && sameFeaturiser(fast.featuriser, cnnFeaturiserId(card, fast.featureLayer ?? "dense1"))) {
        info = fast;
        head = { source: "file", file: fastHead, label: `${fast.kind} (fast preset)` };
      } else {
        if (fastHead !== undefined) headDocuments.delete(fastHead);
        info = { featureLayer: CNN_OWN_HEAD_LAYER };
        head = {
          source: "cnn-output",
          label: `cnn-output (the CNN's own classifier${fast !== undefined ? "; the shipped fast head was fitted on another CNN" : ""})`,
        };
      }
    }
    layer = options.featureLayer ?? info.featureLayer ?? "dense1";
    if (userHeadFeaturiser !== undefined && !sameFeaturiser(userHeadFeaturiser, cnnFeaturiserId(card, layer))) {
      throw new PipelineError(
        "head-mismatch",
        `the head ${head.label} was fitted on features of ${describeFeaturiser(userHeadFeaturiser)}, but this pipeline reads ` +
          `${describeFeaturiser(cnnFeaturiserId(card, layer))}: fit the head on this CNN's features (fer features, then fer fit-head)`,
      );
    }
  }

  const custom = options.head !== undefined || options.cnn !== undefined || options.embedder !== undefined;
  const config: PipelineConfig = {
    preset: custom ? "custom" : preset,
    detector,
    featuriser,
    head,
    ...(layer !== undefined ? { layer } : {}),
    margin: marginOf(detector.name, options),
    align: options.align ?? DEFAULT_ALIGN,
    minFaceSize: options.minFaceSize ?? 0,
    mirrorAverage: options.mirrorAverage ?? info.mirrorAverage ?? false,
    engine: options.engine ?? "auto",
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  };
  return { config, headDocuments };
}
