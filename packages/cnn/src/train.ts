import { existsSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import {
  concatDatasets,
  mirrorFaces,
  MIRROR_ID_SUFFIX,
  prepareFaces,
  stratifiedSplit,
  subsetDataset,
  type FaceDataset,
  type PreprocessSpec,
} from "@fer/preprocess";
import { ARCHITECTURE_SPECS, buildModel, type Architecture } from "./architectures.js";
import { createDataParallelStepRunner } from "./parallel/data-parallel.js";
import { createLocalStepRunner, lossFromLogits, stepSeed, type StepRunner } from "./train-step.js";
import type { CrossEntropyFrom } from "./losses.js";
import { createOnnxStepRunner } from "./onnx-train-step.js";
import { resolveEngine, type InferenceEngine, type ResolvedEngine } from "@fer/runtime";
import { writeFileAtomic } from "@fer/preprocess/node";
import { initBackend, describeBackend } from "@fer/runtime";
import { augmentRandom, batchRandom, epochOrder, gatherBatch, shiftFaces } from "./batches.js";
import { accuracy, argmaxRows, runBatched } from "./inference.js";
import { onnxForward } from "./forward.js";
import { describeLayersModel } from "./onnx/layers-model.js";
import { MODEL_CARD_FORMAT, MODEL_CARD_VERSION, type ModelCard } from "./model-card.js";
import { layersModelFiles, loadLayersModel, readModelCard, saveModelFolder } from "./model-io.js";
import { createProgressBar } from "@fer/runtime";
import {
  assertBatchSchedule,
  assertPlateauSchedule,
  batchLearningRate,
  describeBatchSchedule,
  describePlateauSchedule,
  plateauStep,
  type BatchSchedule,
  type PlateauSchedule,
} from "./lr-schedule.js";
import { createOptimizer, describeOptimizer, optimizerState, resolveOptimizerSpec, restoreOptimizerState, setOptimizerLearningRate, type OptimizerSpec } from "./optimizers.js";
import { WeightAverage } from "./ema.js";
import { assertAugmentSpec, augmentFaces, augmentScratch, augmentsFaces, describeAugmentSpec, mixBatch, mixesBatches, scaleUnitFaces, type AugmentSpec } from "./augment.js";
import { buildTargets, ferPlusAccuracy, gatherTargets, readFerPlusVotes, readTeacherProbabilities, TargetsFileError, type FerPlusVotes } from "./soft-targets.js";
import { CheckpointError, loadCheckpoint, removeCheckpoint, saveCheckpoint, type CheckpointSaveHooks } from "./checkpoint.js";

/** Options of {@link trainCnn}. */
export interface TrainOptions {
  readonly architecture: Architecture;
  /** Folder for checkpoints, the best model (`best/`) and the epoch log (`log.json`). */
  readonly outDir: string;
  readonly epochs: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Seed of the validation split, and of the weight initialisation and batch order unless initSeed is set. */
  readonly seed?: number;
  /** Seed of the weight initialisation and batch order only (repeated runs on one split). Default: seed. */
  readonly initSeed?: number;
  /** Fraction of train held out, stratified, to choose the best epoch (the study: 0.1). */
  readonly validationFraction?: number;
  /** Add a mirrored copy of every training image (the study's best preprocessing). */
  readonly mirror?: boolean;
  /**
   * Move every training face by a random offset of up to this many pixels in x and y each time a batch is drawn
   * (default 0: off; not in the study). Training only: validation, test and inference see the faces unmoved.
   */
  readonly shift?: number;
  readonly contrast?: PreprocessSpec["contrast"];
  readonly clipLimit?: number;
  readonly tileGrid?: [number, number];
  /**
   * Softmax architectures (A–E): take the cross-entropy from the clipped probabilities (`"probabilities"`, tfjs-layers'
   * way, the default) or from the pre-softmax outputs (`"logits"`, tf.keras' way in `model.fit`).
   */
  readonly crossEntropy?: CrossEntropyFrom;
  /** Model inputs in [0, 1] (`"unit"`, the default), as gray levels 0..255 (`"raw"`) or standardised per face; see PreprocessSpec. */
  readonly pixelScale?: NonNullable<PreprocessSpec["pixelScale"]>;
  /**
   * Indices (into the dataset) of images that must not be trained on, e.g. the blank and duplicate images
   * found by @fer/preprocess's findUnhelpfulImages. They are removed from the training part only: the
   * validation split is made on the whole dataset and is never cleaned.
   */
  readonly dropFromTraining?: readonly number[];
  /**
   * Lower the learning rate when validation accuracy stalls (Keras' ReduceLROnPlateau). Not part of the run's
   * identity: it may be added or changed when resuming, and then applies at once to the epochs already done
   * (a stalled run resumes at the lowered rate). Ignored with finalFit (no validation).
   */
  readonly reduceLrOnPlateau?: PlateauSchedule;
  /** The optimiser (default Adam, tfjs', as the study). Its state is saved in checkpoints; part of the run's identity. */
  readonly optimizer?: OptimizerSpec;
  /**
   * Set the learning rate at every batch: cosine or one-cycle with linear warm-up, peaking at `learningRate` (see
   * {@link BatchSchedule}). Part of the run's identity (with the run's total epochs); not with reduceLrOnPlateau.
   */
  readonly lrSchedule?: BatchSchedule;
  /**
   * Keep an exponential moving average of the weights with this decay (e.g. 0.999); validation then scores the
   * averaged weights and `best/` holds them (the card says `weights: "ema"`). Saved in checkpoints.
   */
  readonly ema?: number;
  /** Augment training faces on the fly, seeded by (initSeed, epoch, batch) (see {@link AugmentSpec}); training only. */
  readonly augment?: AugmentSpec;
  /** Label smoothing ε in [0, 1): targets (1 - ε)·t + ε/K. */
  readonly labelSmoothing?: number;
  /**
   * FER+ crowd votes of the dataset's images (`ferplus/train.csv`): validation then also reports accuracy against the
   * FER+ majority label, and with `ferplusWeight` > 0 the votes become part of the training targets.
   */
  readonly ferplusVotes?: string;
  /** Share of the FER+ vote distribution in each training target (the rest: the FER2013 label), in [0, 1]. */
  readonly ferplusWeight?: number;
  /** Distillation: a CSV of a teacher's probabilities per image (see readTeacherProbabilities) and its share in the targets. */
  readonly teacher?: { readonly file: string; readonly weight: number };
  /** What chooses the best epoch: FER2013 validation accuracy (default), FER+ majority accuracy, or their mean (needs ferplusVotes). */
  readonly selectBy?: "fer2013" | "ferplus" | "mean";
  /** Test hooks into checkpoint saves (e.g. a simulated crash between two files). */
  readonly checkpointHooks?: CheckpointSaveHooks;
  /** Fit on train + validation (the study's final fit); the last epoch is kept. */
  readonly finalFit?: boolean;
  /** Continue from `outDir/checkpoint` if it exists. */
  readonly resume?: boolean;
  /** Stop after this many epochs in this call (for time-boxed sessions); the run can be resumed. */
  readonly maxEpochsThisRun?: number;
  /** Stops training after the current batch, saving a checkpoint to resume from (e.g. on Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Also checkpoint inside an epoch at most this many minutes apart (default 10; 0 = only at epoch ends). */
  readonly checkpointMinutes?: number;
  /** Name of the data source, for the model card. */
  readonly source?: string;
  /** Draw a progress bar on stderr (default true). */
  readonly progress?: boolean;
  /**
   * What computes each step's forward and backward pass: `onnxruntime` (the optional `onnxruntime-node` package runs a
   * training graph fer writes, see `layersModelToOnnxTraining`; about 3x faster than tfjs's WebAssembly backend on 2
   * cores), `tfjs`, or `auto` (default: onnxruntime when installed, else tfjs; `FER_ENGINE` can name one). The
   * optimizer, checkpoints and saved models are tfjs's either way, and the gradients are the same up to float rounding,
   * so a run may be resumed on the other engine.
   */
  readonly engine?: InferenceEngine;
  /**
   * tfjs: threads computing each step's gradients together (data parallelism; 2 uses both cores of a 2-core machine),
   * default `FER_TRAIN_WORKERS`, else 1; results match a single thread up to float rounding. onnxruntime: its intra-op
   * threads, default `FER_TRAIN_WORKERS`, else one per physical core.
   */
  readonly workers?: number;
  /** Called after every batch with the number of images done in the epoch. */
  readonly onBatch?: (done: number, epoch: number) => void;
  /** Called after every epoch. */
  readonly onEpoch?: (entry: EpochLog) => void;
}

/** One epoch of the JSON log. */
export interface EpochLog {
  readonly epoch: number;
  readonly loss: number;
  readonly trainAccuracy: number;
  readonly validationAccuracy: number | null;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  /** The learning rate of this epoch (with a batch schedule: of its last batch; absent in logs written before schedules existed). */
  readonly learningRate?: number;
  /** Validation accuracy against the FER+ majority label (with ferplusVotes). */
  readonly validationFerPlusAccuracy?: number;
  /** With an EMA: the validation accuracy of the trained (not averaged) weights, for comparison. */
  readonly validationAccuracyRaw?: number;
}

/** What {@link trainCnn} returns. */
export interface TrainResult {
  readonly bestDir: string;
  /** The card of the best model so far (undefined when interrupted before the first epoch ended). */
  readonly card: ModelCard | undefined;
  readonly log: readonly EpochLog[];
  /** True when every requested epoch is done (false when maxEpochsThisRun stopped it early). */
  readonly complete: boolean;
}

/** Where an interrupted epoch stopped: the batch order is a function of (seed, epoch), so it can go on from there. */
interface PartialEpoch {
  readonly epoch: number;
  readonly nextStart: number;
  readonly lossSum: number;
  readonly correct: number;
  readonly seconds: number;
}

interface CheckpointState {
  readonly optionsKey: string;
  readonly epochsDone: number;
  readonly partial?: PartialEpoch;
  readonly bestValidation: number;
  readonly bestEpoch: number;
  readonly seconds: number;
  readonly log: EpochLog[];
  /** The learning rate now (after schedule reductions); absent = the options' rate. */
  readonly learningRate?: number;
  /** The epoch after which the schedule last lowered the rate. */
  readonly lastReduction?: number;
  /** Updates folded into the weight average (with an EMA). */
  readonly emaUpdates?: number;
}

export { CheckpointError } from "./checkpoint.js";
export { TargetsFileError } from "./soft-targets.js";

/** Thrown for impossible training options or a checkpoint that belongs to another run. */
export class TrainOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrainOptionsError";
  }
}

function resolved(o: TrainOptions) {
  const r = {
    architecture: o.architecture,
    epochs: o.epochs,
    batchSize: o.batchSize ?? 64,
    learningRate: o.learningRate ?? 1e-3,
    seed: o.seed ?? 42,
    initSeed: o.initSeed ?? o.seed ?? 42,
    validationFraction: o.finalFit ? 0 : (o.validationFraction ?? 0.1),
    mirror: o.mirror ?? true,
    shift: o.shift ?? 0,
    contrast: o.contrast ?? "none",
    clipLimit: o.clipLimit ?? 4,
    tileGrid: o.tileGrid ?? ([4, 4] as [number, number]),
    dropFromTraining: [...(o.dropFromTraining ?? [])].sort((a, b) => a - b),
    finalFit: o.finalFit ?? false,
    pixelScale: o.pixelScale ?? "unit",
    crossEntropy: o.crossEntropy ?? "probabilities",
    optimizer: guard(() => resolveOptimizerSpec(o.optimizer ?? { name: "adam" })),
    lrSchedule: o.lrSchedule,
    ema: o.ema,
    augment: o.augment ?? {},
    labelSmoothing: o.labelSmoothing ?? 0,
    ferplusVotes: o.ferplusVotes === undefined ? undefined : resolvePath(o.ferplusVotes),
    ferplusWeight: o.ferplusWeight ?? 0,
    teacher: o.teacher === undefined ? undefined : { file: resolvePath(o.teacher.file), weight: o.teacher.weight },
    selectBy: o.selectBy ?? "fer2013",
  };
  if (!Number.isInteger(r.epochs) || r.epochs < 1) throw new TrainOptionsError(`epochs must be a positive integer, got ${r.epochs}`);
  if (!Number.isInteger(r.batchSize) || r.batchSize < 1) throw new TrainOptionsError(`batchSize must be a positive integer, got ${r.batchSize}`);
  if (!Number.isInteger(r.shift) || r.shift < 0) throw new TrainOptionsError(`shift must be a whole number of pixels >= 0, got ${r.shift}`);
  if (!(r.learningRate > 0)) throw new TrainOptionsError(`learningRate must be positive, got ${r.learningRate}`);
  if (r.crossEntropy !== "probabilities" && r.crossEntropy !== "logits") throw new TrainOptionsError(`crossEntropy must be probabilities or logits, got ${String(r.crossEntropy)}`);
  if (r.crossEntropy === "logits" && ARCHITECTURE_SPECS[r.architecture].output === "linear") {
    throw new TrainOptionsError(`crossEntropy applies to the softmax architectures (A-E); ${r.architecture} uses squared hinge`);
  }
  if (!r.finalFit && !(r.validationFraction > 0 && r.validationFraction < 1)) {
    throw new TrainOptionsError(`validationFraction must be in (0, 1), got ${r.validationFraction}`);
  }
  if (r.lrSchedule !== undefined) guard(() => assertBatchSchedule(r.lrSchedule!, r.epochs));
  if (r.lrSchedule !== undefined && o.reduceLrOnPlateau !== undefined) throw new TrainOptionsError("choose one learning-rate schedule: a batch schedule (cosine, one-cycle) or reduce-on-plateau");
  if (r.ema !== undefined && !(r.ema > 0 && r.ema < 1)) throw new TrainOptionsError(`ema (the average's decay) must be in (0, 1), got ${r.ema}`);
  guard(() => assertAugmentSpec(r.augment));
  if (!(r.labelSmoothing >= 0 && r.labelSmoothing < 1)) throw new TrainOptionsError(`labelSmoothing must be in [0, 1), got ${r.labelSmoothing}`);
  if (!(r.ferplusWeight >= 0 && r.ferplusWeight <= 1)) throw new TrainOptionsError(`ferplusWeight must be in [0, 1], got ${r.ferplusWeight}`);
  if (r.ferplusWeight > 0 && r.ferplusVotes === undefined) throw new TrainOptionsError("ferplusWeight needs ferplusVotes (the FER+ votes file)");
  if (r.teacher !== undefined && !(r.teacher.weight >= 0 && r.teacher.weight <= 1)) throw new TrainOptionsError(`the teacher's weight must be in [0, 1], got ${r.teacher.weight}`);
  if (r.ferplusWeight + (r.teacher?.weight ?? 0) > 1) throw new TrainOptionsError("the FER+ and teacher weights add up to more than 1");
  if (r.selectBy !== "fer2013" && r.selectBy !== "ferplus" && r.selectBy !== "mean") throw new TrainOptionsError(`selectBy must be fer2013, ferplus or mean, got ${String(r.selectBy)}`);
  if (r.selectBy !== "fer2013" && r.ferplusVotes === undefined) throw new TrainOptionsError(`selectBy ${r.selectBy} needs ferplusVotes`);
  return r;
}

/** Runs a check that throws RangeError, turning it into a TrainOptionsError. */
function guard<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof RangeError) throw new TrainOptionsError(e.message);
    throw e;
  }
}

/** Whether the run trains on soft targets (anything but the one-hot label). */
function softTargets(r: ReturnType<typeof resolved>): boolean {
  return r.labelSmoothing > 0 || r.ferplusWeight > 0 || (r.teacher?.weight ?? 0) > 0 || mixesBatches(r.augment);
}

function preprocessSpec(r: ReturnType<typeof resolved>, size: number): PreprocessSpec {
  const scale = r.pixelScale === "unit" ? {} : { pixelScale: r.pixelScale };
  return r.contrast === "clahe"
    ? { size, contrast: "clahe", clipLimit: r.clipLimit, tileGrid: r.tileGrid, ...scale }
    : { size, contrast: r.contrast, ...scale };
}

/**
 * What a checkpoint must match to be resumed. Options at their default are left out, so checkpoints written before an
 * option existed still match; the total epochs count only with a batch schedule (which depends on them).
 */
function runKey(r: ReturnType<typeof resolved>, data: FaceDataset): string {
  const { pixelScale, crossEntropy, shift, optimizer, lrSchedule, ema, augment, labelSmoothing, ferplusVotes, ferplusWeight, teacher, selectBy, ...rest } = r;
  return JSON.stringify({
    ...rest,
    ...(shift === 0 ? {} : { shift }),
    ...(pixelScale === "unit" ? {} : { pixelScale }),
    ...(crossEntropy === "probabilities" ? {} : { crossEntropy }),
    ...(optimizer.name === "adam" ? {} : { optimizer }),
    ...(lrSchedule === undefined ? {} : { lrSchedule, totalEpochs: r.epochs }),
    ...(ema === undefined ? {} : { ema }),
    ...(augmentsFaces(augment) || mixesBatches(augment) ? { augment: describeAugmentSpec(augment) } : {}),
    ...(labelSmoothing === 0 ? {} : { labelSmoothing }),
    ...(ferplusWeight === 0 ? {} : { ferplusVotes, ferplusWeight }),
    ...(teacher === undefined || teacher.weight === 0 ? {} : { teacher }),
    ...(selectBy === "fer2013" ? {} : { selectBy }),
    epochs: undefined,
    count: data.count,
    classes: data.classes,
  });
}

/** Splits, cleans and mirrors the data exactly as the options say; the validation part is never mirrored. */
function prepareData(data: FaceDataset, r: ReturnType<typeof resolved>) {
  let trainIndices: ArrayLike<number> = Uint32Array.from({ length: data.count }, (_, i) => i);
  let validation: FaceDataset | undefined;
  if (!r.finalFit) {
    const split = stratifiedSplit(data.labels, { fraction: r.validationFraction, seed: r.seed });
    trainIndices = split.train;
    validation = subsetDataset(data, split.validation);
  }
  const drop = new Set(r.dropFromTraining);
  const kept = Array.from(trainIndices).filter((i) => !drop.has(i));
  const dropped = trainIndices.length - kept.length;
  let train = subsetDataset(data, kept);
  if (r.mirror) {
    const mirrored: FaceDataset = {
      ...train,
      pixels: mirrorFaces(train.pixels, train.count, train.size),
      ids: train.ids.map((id) => `${id}${MIRROR_ID_SUFFIX}`),
    };
    train = concatDatasets(train, mirrored);
  }
  return { train, validation, dropped };
}

/** A checkpoint read back and verified: its state, model, optimiser state and weight average. */
interface LoadedCheckpoint {
  readonly state: CheckpointState;
  readonly dir: string;
  readonly optimizer: { specs: Array<{ name: string; shape: number[] }>; data: Float32Array };
  readonly ema?: Float32Array;
}

const floats = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** Reads the run's checkpoint (verified against its manifest, see loadCheckpoint); undefined when there is none. */
async function readCheckpoint(dir: string): Promise<LoadedCheckpoint | undefined> {
  const found = await loadCheckpoint(dir);
  if (found === undefined) return undefined;
  const need = (name: string) => {
    const b = found.files.get(name);
    if (b === undefined) throw new CheckpointError(join(found.dir, name), "missing from the checkpoint");
    return b;
  };
  const json = <T>(name: string): T => {
    try {
      return JSON.parse(need(name).toString("utf8")) as T;
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(join(found.dir, name), "not valid JSON");
    }
  };
  need("model.json");
  need("weights.bin");
  const ema = found.files.get("ema.bin");
  return {
    dir: found.dir,
    state: json<CheckpointState>("state.json"),
    optimizer: { specs: json("optimizer.json"), data: floats(need("optimizer.bin")) },
    ...(ema === undefined ? {} : { ema: floats(ema) }),
  };
}

/** Everything a checkpoint holds, as files: model, optimiser state, weight average, and the run's state (written last). */
async function checkpointFiles(model: tfl.LayersModel, optimizer: tf.Optimizer, average: WeightAverage | undefined, s: CheckpointState): Promise<Record<string, Uint8Array | string>> {
  const modelFiles = await layersModelFiles(model);
  const opt = await optimizerState(optimizer);
  return {
    ...modelFiles,
    "optimizer.json": JSON.stringify(opt.specs),
    "optimizer.bin": new Uint8Array(opt.data.buffer, opt.data.byteOffset, opt.data.byteLength),
    ...(average === undefined ? {} : { "ema.bin": new Uint8Array(average.serialize().buffer) }),
    "state.json": JSON.stringify(average === undefined ? s : { ...s, emaUpdates: average.updates }),
  };
}

/** The state after the plateau rule has judged `epoch`: with a lowered rate and the epoch noted when it stalled. */
function afterEpochOnPlateau(schedule: PlateauSchedule, state: CheckpointState, current: number, epoch: number, report: boolean): CheckpointState {
  const lastReduction = state.lastReduction ?? 0;
  const step = plateauStep(schedule, current, { epoch, bestEpoch: state.bestEpoch, lastReduction });
  if (!step.reduced) return state;
  if (report) {
    process.stderr.write(`learning rate ${current} -> ${step.learningRate} (no better validation accuracy since epoch ${Math.max(state.bestEpoch, lastReduction)})\n`);
  }
  return { ...state, learningRate: step.learningRate, lastReduction: epoch };
}

/**
 * Trains a CNN on a face dataset, keeping the best epoch by validation accuracy (or the last one with `finalFit`).
 * Writes `outDir/checkpoint/` (atomically, see saveCheckpoint) after every epoch and every `checkpointMinutes`
 * (resumable to the exact batch with `resume`), `outDir/log.json`, and the chosen model with its card in `outDir/best/`.
 */
export async function trainCnn(data: FaceDataset, options: TrainOptions): Promise<TrainResult> {
  const r = resolved(options);
  if (data.count === 0) throw new TrainOptionsError("the training dataset is empty");
  const backend = await initBackend();
  let engine: ResolvedEngine;
  try {
    engine = await resolveEngine(options.engine);
  } catch (e) {
    throw new TrainOptionsError((e as Error).message);
  }
  const spec = ARCHITECTURE_SPECS[r.architecture];
  const size = data.size;
  const classes = data.classes.length;
  if (2 * r.shift >= size) throw new TrainOptionsError(`shift must be under half the face size (${size} px), got ${r.shift}`);
  const pp = preprocessSpec(r, size);
  const optionsKey = runKey(r, data);
  const checkpointDir = join(options.outDir, "checkpoint");
  const bestDir = join(options.outDir, "best");

  const { train, validation, dropped } = prepareData(data, r);
  const augmenting = augmentsFaces(r.augment) || mixesBatches(r.augment);
  // Augmentation works on [0, 1] faces; the run's pixel scale is applied to each batch after it.
  const trainFaces = prepareFaces(train.pixels, train.count, augmenting ? { ...pp, pixelScale: "unit" } : pp);
  const validationFaces = validation ? prepareFaces(validation.pixels, validation.count, pp) : undefined;

  const soft = softTargets(r);
  if (soft && !lossFromLogits({ output: spec.output, crossEntropy: r.crossEntropy })) {
    throw new TrainOptionsError(
      `label smoothing, FER+ votes, a teacher and mixup/cutmix train on soft targets, which need the cross-entropy from the logits: ${r.architecture} ${spec.output === "softmax" ? "needs crossEntropy logits" : "uses squared hinge"}`,
    );
  }
  let targets: ReturnType<typeof buildTargets> | undefined;
  let validationVotes: FerPlusVotes | undefined;
  try {
    const trainVotes = r.ferplusVotes !== undefined && r.ferplusWeight > 0 ? await readFerPlusVotes(r.ferplusVotes, train.ids, train.classes) : undefined;
    if (r.ferplusVotes !== undefined && validation !== undefined) validationVotes = await readFerPlusVotes(r.ferplusVotes, validation.ids, validation.classes);
    const teacher = r.teacher !== undefined && r.teacher.weight > 0 ? await readTeacherProbabilities(r.teacher.file, train.ids, train.classes) : undefined;
    if (soft) targets = buildTargets(train.labels, classes, { ferplusWeight: r.ferplusWeight, teacherWeight: r.teacher?.weight ?? 0, labelSmoothing: r.labelSmoothing }, trainVotes, teacher);
  } catch (e) {
    if (e instanceof TargetsFileError) throw new TrainOptionsError(e.message);
    throw e;
  }

  let state: CheckpointState = { optionsKey, epochsDone: 0, bestValidation: -1, bestEpoch: 0, seconds: 0, log: [] };
  let model: tfl.LayersModel;
  const optimizer = createOptimizer(r.optimizer, r.learningRate);
  const previous = options.resume ? await readCheckpoint(checkpointDir) : undefined;
  if (previous !== undefined) {
    if (previous.state.optionsKey !== optionsKey) {
      throw new TrainOptionsError(`the checkpoint in ${checkpointDir} was made with other options or data; use another outDir or drop resume`);
    }
    state = previous.state;
    model = await loadLayersModel(previous.dir);
    await restoreOptimizerState(optimizer, previous.optimizer.specs, previous.optimizer.data);
  } else {
    if (!options.resume) await removeCheckpoint(checkpointDir);
    model = buildModel(r.architecture, { inputSize: size, classes, seed: r.initSeed });
  }
  let average: WeightAverage | undefined;
  if (r.ema !== undefined) {
    if (previous?.ema !== undefined) average = guard(() => WeightAverage.restore(model, r.ema!, previous.state.emaUpdates ?? 0, previous.ema!));
    else if (previous !== undefined && (previous.state.epochsDone > 0 || previous.state.partial !== undefined)) {
      throw new CheckpointError(join(previous.dir, "ema.bin"), "missing although the run keeps a weight average");
    } else average = WeightAverage.start(model, r.ema);
  }
  const schedule = r.finalFit ? undefined : options.reduceLrOnPlateau;
  if (schedule !== undefined) guard(() => assertPlateauSchedule(schedule));
  let learningRate = state.learningRate ?? r.learningRate;
  if (schedule !== undefined && state.epochsDone > 0) {
    // A schedule added when resuming judges the epochs already done, so a run that has stalled is
    // lowered before its next epoch; when the schedule ran all along this repeats its last verdict.
    state = afterEpochOnPlateau(schedule, state, learningRate, state.epochsDone, options.progress !== false);
    learningRate = state.learningRate ?? learningRate;
  }
  setOptimizerLearningRate(optimizer, learningRate);
  const lossSpec = { model, output: spec.output, size, crossEntropy: r.crossEntropy };
  const workersFromEnv = process.env.FER_TRAIN_WORKERS === undefined || process.env.FER_TRAIN_WORKERS === "" ? undefined : Number(process.env.FER_TRAIN_WORKERS);
  const requestedWorkers = options.workers ?? workersFromEnv;
  if (requestedWorkers !== undefined && !(Number.isInteger(requestedWorkers) && requestedWorkers >= 1)) {
    throw new TrainOptionsError(`workers must be a positive whole number, got ${requestedWorkers}`);
  }
  const workers = requestedWorkers ?? 1;
  if (soft && engine.engine === "tfjs" && workers > 1) {
    // The data-parallel workers compute each share's gradient from its hard labels only.
    throw new TrainOptionsError("soft targets (label smoothing, FER+ votes, a teacher, mixup/cutmix) are not supported by the data-parallel tfjs step: use workers 1 or the onnxruntime engine");
  }
  let runner: StepRunner;
  if (engine.engine === "onnxruntime") {
    runner = await createOnnxStepRunner(lossSpec, optimizer, spec.l2, engine.ort, requestedWorkers);
  } else {
    runner =
      workers > 1
        ? await createDataParallelStepRunner(lossSpec, optimizer, spec.l2, {
            architecture: r.architecture,
            classes,
            backend: backend.name,
            maxBatch: r.batchSize,
            workers,
          })
        : createLocalStepRunner(lossSpec, optimizer, spec.l2);
  }

  const trainedOn =
    engine.engine === "onnxruntime"
      ? `onnxruntime${requestedWorkers === undefined ? "" : `, ${requestedWorkers} thread${requestedWorkers > 1 ? "s" : ""}`}`
      : `${describeBackend(backend)}${workers > 1 ? `, ${workers} data-parallel workers` : ""}`;

  const per = size * size;
  const xBuf = new Float32Array(r.batchSize * per);
  const yBuf = new Int32Array(r.batchSize);
  const tBuf = new Float32Array(r.batchSize * classes);
  const shiftScratch = new Float32Array(per);
  const scratch = augmentScratch(size);
  const mixFaces = mixesBatches(r.augment) ? new Float32Array(r.batchSize * per) : undefined;
  const mixTargets = new Float32Array(r.batchSize * classes);
  const stepsPerEpoch = Math.ceil(train.count / r.batchSize);
  const lastEpoch = options.maxEpochsThisRun !== undefined ? Math.min(r.epochs, state.epochsDone + options.maxEpochsThisRun) : r.epochs;
  if (options.progress !== false) {
    process.stderr.write(`training ${r.architecture} on ${train.count} images (${trainedOn})\n`);
  }

  const checkpointEvery = (options.checkpointMinutes ?? 10) * 60_000;
  const save = async (s: CheckpointState) => saveCheckpoint(checkpointDir, await checkpointFiles(model, optimizer, average, s), options.checkpointHooks);
  let interrupted = false;
  for (let epoch = state.epochsDone + 1; epoch <= lastEpoch; epoch++) {
    const resumeFrom = state.partial?.epoch === epoch ? state.partial : undefined;
    const started = Date.now() - (resumeFrom?.seconds ?? 0) * 1000;
    let lastCheckpoint = Date.now();
    const order = epochOrder(train.count, r.initSeed, epoch);
    const startAt = resumeFrom?.nextStart ?? 0;
    const bar =
      options.progress === false
        ? undefined
        : createProgressBar({ label: `epoch ${epoch}/${r.epochs}`, total: train.count, unit: "img", initial: startAt });
    let position = startAt;
    let lossSum = resumeFrom?.lossSum ?? 0;
    let correct = resumeFrom?.correct ?? 0;
    for (let start = startAt; start < train.count; start += r.batchSize) {
      const n = Math.min(r.batchSize, train.count - start);
      if (r.lrSchedule !== undefined) {
        learningRate = batchLearningRate(r.lrSchedule, r.learningRate, (epoch - 1) * stepsPerEpoch + start / r.batchSize, r.epochs * stepsPerEpoch, stepsPerEpoch);
        setOptimizerLearningRate(optimizer, learningRate);
      }
      gatherBatch(trainFaces, train.labels, per, order, start, start + n, xBuf, yBuf);
      if (targets !== undefined) gatherTargets(targets.targets, classes, order, start, start + n, tBuf);
      shiftFaces(xBuf, n, size, r.shift, batchRandom(r.initSeed, epoch, start), shiftScratch);
      if (augmenting) {
        const rand = augmentRandom(r.initSeed, epoch, start);
        augmentFaces(xBuf, n, size, r.augment, rand, scratch);
        if (mixFaces !== undefined) mixBatch(xBuf, tBuf, n, size, classes, r.augment, rand, mixFaces, mixTargets);
        scaleUnitFaces(xBuf, n, per, r.pixelScale);
      }
      const result = await runner.step(xBuf, yBuf, n, { seed: stepSeed(r.initSeed, epoch, start), ...(targets !== undefined ? { targets: tBuf } : {}) });
      average?.update();
      lossSum += result.lossSum;
      correct += result.correct;
      const done = start + n;
      position = done;
      bar?.update(done, `loss ${(lossSum / done).toFixed(4)} acc ${(correct / done).toFixed(4)}`);
      options.onBatch?.(done, epoch);
      interrupted = options.signal?.aborted === true && done < train.count;
      if (done < train.count && (interrupted || (checkpointEvery > 0 && Date.now() - lastCheckpoint > checkpointEvery))) {
        const partial: PartialEpoch = { epoch, nextStart: done, lossSum, correct, seconds: (Date.now() - started) / 1000 };
        await save({ ...state, partial });
        lastCheckpoint = Date.now();
      }
      if (interrupted) break;
    }
    if (interrupted) {
      bar?.finish("interrupted: checkpoint saved; continue with resume", position);
      break;
    }
    let validationAccuracy: number | null = null;
    let ferplus: ReturnType<typeof ferPlusAccuracy> | undefined;
    let validationAccuracyRaw: number | undefined;
    const validate = async () => {
      const { values, width } = await validationScores(engine, model, validationFaces!, validation!.count, size, requestedWorkers);
      const predicted = argmaxRows(values, width);
      // A split too small to hold a validation image (a few images per class) scores 0, as it always has.
      return { fer2013: validation!.count === 0 ? 0 : accuracy(predicted, validation!.labels), ferplus: validationVotes === undefined ? undefined : ferPlusAccuracy(predicted, validationVotes) };
    };
    let improved = r.finalFit;
    const saveBest = async () => {
      const card = makeCard(r, pp, data, train.count, validation?.count ?? 0, dropped, state, entry, engine.engine === "onnxruntime" ? "onnxruntime" : backend.name, model, options.source, schedule, targets, ferplus);
      await saveModelFolder(model, card, bestDir);
    };
    if (validation !== undefined && validationFaces !== undefined) {
      if (average !== undefined) validationAccuracyRaw = (await validate()).fer2013;
      const scored = average === undefined ? await validate() : await average.withAveragedWeights(validate);
      validationAccuracy = scored.fer2013;
      ferplus = scored.ferplus;
    }
    const seconds = (Date.now() - started) / 1000;
    const entry: EpochLog = {
      epoch,
      loss: lossSum / train.count,
      trainAccuracy: correct / train.count,
      validationAccuracy,
      seconds,
      imagesPerSecond: train.count / seconds,
      learningRate,
      ...(ferplus === undefined ? {} : { validationFerPlusAccuracy: ferplus.accuracy }),
      ...(validationAccuracyRaw === undefined ? {} : { validationAccuracyRaw }),
    };
    bar?.finish(
      `loss ${entry.loss.toFixed(4)} acc ${entry.trainAccuracy.toFixed(4)}${validationAccuracy === null ? "" : ` val ${validationAccuracy.toFixed(4)}`}${ferplus === undefined ? "" : ` val FER+ ${ferplus.accuracy.toFixed(4)}`}`,
    );
    const score = selectionScore(r.selectBy, validationAccuracy, ferplus?.accuracy);
    improved ||= score > state.bestValidation;
    state = {
      optionsKey,
      epochsDone: epoch,
      partial: undefined,
      bestValidation: improved ? score : state.bestValidation,
      bestEpoch: improved ? epoch : state.bestEpoch,
      seconds: state.seconds + seconds,
      log: [...state.log, entry],
      ...(state.learningRate !== undefined ? { learningRate: state.learningRate } : {}),
      ...(state.lastReduction !== undefined ? { lastReduction: state.lastReduction } : {}),
    };
    if (schedule !== undefined) {
      state = afterEpochOnPlateau(schedule, state, learningRate, epoch, options.progress !== false);
      learningRate = state.learningRate ?? learningRate;
      setOptimizerLearningRate(optimizer, learningRate);
    }
    if (improved) {
      if (average === undefined) await saveBest();
      else await average.withAveragedWeights(saveBest);
    }
    await save(state);
    await writeFileAtomic(join(options.outDir, "log.json"), `${JSON.stringify({ architecture: r.architecture, options: r, ferplusValidation: ferplusCounts(ferplus), epochs: state.log }, null, 2)}\n`);
    options.onEpoch?.(entry);
  }
  await runner.dispose();
  optimizer.dispose();
  model.dispose();
  const card = existsSync(join(bestDir, "card.json")) ? await readModelCard(bestDir) : undefined;
  return { bestDir, card, log: state.log, complete: !interrupted && state.epochsDone >= r.epochs };
}

/** The FER+ validation counts for the log. */
function ferplusCounts(f: ReturnType<typeof ferPlusAccuracy> | undefined) {
  return f === undefined ? undefined : { scored: f.scored, excluded: f.excluded };
}

/** The number the best epoch is chosen by. */
function selectionScore(by: "fer2013" | "ferplus" | "mean", fer2013: number | null, ferplus: number | undefined): number {
  if (fer2013 === null) return -1;
  if (by === "fer2013") return fer2013;
  if (ferplus === undefined) return -1;
  return by === "ferplus" ? ferplus : (fer2013 + ferplus) / 2;
}

/** The model's outputs for the validation faces, on the training engine (onnxruntime: a session on this epoch's weights). */
async function validationScores(
  engine: ResolvedEngine,
  model: tfl.LayersModel,
  faces: Float32Array,
  count: number,
  size: number,
  threads: number | undefined,
): Promise<{ values: Float32Array; width: number }> {
  if (engine.engine !== "onnxruntime") return runBatched(model, faces, count, size);
  const forward = await onnxForward(engine.ort, describeLayersModel(model), size, threads);
  try {
    return await forward.run(faces, count, "scores");
  } finally {
    forward.release();
  }
}

function makeCard(
  r: ReturnType<typeof resolved>,
  pp: PreprocessSpec,
  data: FaceDataset,
  trainCount: number,
  validationCount: number,
  dropped: number,
  state: CheckpointState,
  entry: EpochLog,
  backend: string,
  model: tfl.LayersModel,
  source: string | undefined,
  schedule: PlateauSchedule | undefined,
  targets: ReturnType<typeof buildTargets> | undefined,
  ferplus: ReturnType<typeof ferPlusAccuracy> | undefined,
): ModelCard {
  const spec = ARCHITECTURE_SPECS[r.architecture];
  return {
    format: MODEL_CARD_FORMAT,
    version: MODEL_CARD_VERSION,
    architecture: r.architecture,
    output: spec.output,
    classes: [...data.classes],
    preprocess: pp,
    parameters: model.countParams(),
    data: {
      trainImages: trainCount,
      validationImages: validationCount,
      mirrored: r.mirror,
      ...(r.shift > 0 ? { shift: r.shift } : {}),
      droppedUnhelpful: dropped,
      ...(augmentsFaces(r.augment) || mixesBatches(r.augment) ? { augment: describeAugmentSpec(r.augment) } : {}),
      ...(targets === undefined
        ? {}
        : {
            targets: {
              ferplusWeight: r.ferplusWeight,
              teacherWeight: r.teacher?.weight ?? 0,
              labelSmoothing: r.labelSmoothing,
              ...(r.ferplusWeight > 0 ? { ferplusFile: r.ferplusVotes!, ferplusFallback: targets.ferplusFallback } : {}),
              ...(r.teacher !== undefined && r.teacher.weight > 0 ? { teacherFile: r.teacher.file, teacherFallback: targets.teacherFallback } : {}),
            },
          }),
      source: source ?? `${data.count} images`,
      validationFraction: r.validationFraction,
      seed: r.seed,
    },
    training: {
      epochs: r.epochs,
      bestEpoch: entry.epoch,
      batchSize: r.batchSize,
      learningRate: r.learningRate,
      ...(r.lrSchedule !== undefined
        ? { learningRateSchedule: `${describeBatchSchedule(r.lrSchedule)}; best epoch ended at ${entry.learningRate ?? r.learningRate}` }
        : schedule !== undefined || state.log.some((e) => e.learningRate !== undefined && e.learningRate !== r.learningRate)
          ? { learningRateSchedule: `${schedule !== undefined ? `reduce on plateau: ${describePlateauSchedule(schedule)}` : "reduced on plateau"}; best epoch trained at ${entry.learningRate ?? r.learningRate}` }
          : {}),
      optimizer: r.optimizer.name,
      ...(r.optimizer.name === "adam" ? {} : { optimizerDetail: describeOptimizer(r.optimizer) }),
      ...(r.ema === undefined ? {} : { ema: r.ema, weights: "ema" as const }),
      ...(r.selectBy === "fer2013" ? {} : { selectedBy: r.selectBy }),
      loss: spec.output === "linear" ? "squaredHinge" : "categoricalCrossentropy",
      ...(r.crossEntropy === "logits" || spec.output === "logits" ? { crossEntropy: "logits" as const } : {}),
      l2: spec.l2,
      backend,
      seconds: Math.round(state.seconds),
      finalFit: r.finalFit,
      initSeed: r.initSeed,
    },
    metrics: {
      trainAccuracy: entry.trainAccuracy,
      ...(entry.validationAccuracy === null ? {} : { validationAccuracy: entry.validationAccuracy }),
      ...(ferplus === undefined
        ? {}
        : { validationFerPlusAccuracy: ferplus.accuracy, validationFerPlusImages: ferplus.scored, validationFerPlusExcluded: ferplus.excluded }),
    },
    createdAt: new Date().toISOString(),
  };
}
