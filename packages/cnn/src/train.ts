import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
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
import { createLocalStepRunner, type StepRunner } from "./train-step.js";
import type { CrossEntropyFrom } from "./losses.js";
import { createOnnxStepRunner } from "./onnx-train-step.js";
import { resolveEngine, type InferenceEngine, type ResolvedEngine } from "./onnx/runtime.js";
import { writeFileAtomic } from "./atomic-write.js";
import { initBackend, describeBackend } from "./backend/index.js";
import { batchRandom, epochOrder, gatherBatch, shiftFaces } from "./batches.js";
import { accuracy, argmaxRows, runBatched } from "./inference.js";
import { onnxForward } from "./forward.js";
import { MODEL_CARD_FORMAT, MODEL_CARD_VERSION, type ModelCard } from "./model-card.js";
import { loadLayersModel, readModelCard, saveLayersModel, saveModelFolder } from "./model-io.js";
import { createProgressBar } from "./progress.js";
import { assertPlateauSchedule, describePlateauSchedule, plateauStep, setLearningRate, type PlateauSchedule } from "./lr-schedule.js";

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
  /** The learning rate of this epoch (absent in logs written before schedules existed: the run's constant rate). */
  readonly learningRate?: number;
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
}

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
  };
  if (!Number.isInteger(r.epochs) || r.epochs < 1) throw new TrainOptionsError(`epochs must be a positive integer, got ${r.epochs}`);
  if (!Number.isInteger(r.batchSize) || r.batchSize < 1) throw new TrainOptionsError(`batchSize must be a positive integer, got ${r.batchSize}`);
  if (!Number.isInteger(r.shift) || r.shift < 0) throw new TrainOptionsError(`shift must be a whole number of pixels >= 0, got ${r.shift}`);
  if (!(r.learningRate > 0)) throw new TrainOptionsError(`learningRate must be positive, got ${r.learningRate}`);
  if (r.crossEntropy !== "probabilities" && r.crossEntropy !== "logits") throw new TrainOptionsError(`crossEntropy must be probabilities or logits, got ${String(r.crossEntropy)}`);
  if (r.crossEntropy === "logits" && ARCHITECTURE_SPECS[r.architecture].output !== "softmax") {
    throw new TrainOptionsError(`crossEntropy applies to the softmax architectures (A-E); ${r.architecture} uses squared hinge`);
  }
  if (!r.finalFit && !(r.validationFraction > 0 && r.validationFraction < 1)) {
    throw new TrainOptionsError(`validationFraction must be in (0, 1), got ${r.validationFraction}`);
  }
  return r;
}

function preprocessSpec(r: ReturnType<typeof resolved>, size: number): PreprocessSpec {
  const scale = r.pixelScale === "unit" ? {} : { pixelScale: r.pixelScale };
  return r.contrast === "clahe"
    ? { size, contrast: "clahe", clipLimit: r.clipLimit, tileGrid: r.tileGrid, ...scale }
    : { size, contrast: r.contrast, ...scale };
}

/** What a checkpoint must match to be resumed; default pixel scale and cross-entropy are left out so older checkpoints still match. */
function runKey(r: ReturnType<typeof resolved>, data: FaceDataset): string {
  const { pixelScale, crossEntropy, shift, ...rest } = r;
  return JSON.stringify({
    ...rest,
    ...(shift === 0 ? {} : { shift }),
    ...(pixelScale === "unit" ? {} : { pixelScale }),
    ...(crossEntropy === "probabilities" ? {} : { crossEntropy }),
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

async function readState(dir: string): Promise<CheckpointState | undefined> {
  const file = join(dir, "state.json");
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, "utf8")) as CheckpointState;
}

async function saveOptimizer(optimizer: tf.AdamOptimizer, dir: string): Promise<void> {
  const named = await optimizer.getWeights();
  const specs: Array<{ name: string; shape: number[] }> = [];
  const parts: Float32Array[] = [];
  for (const { name, tensor } of named) {
    specs.push({ name, shape: tensor.shape });
    parts.push((await tensor.data()) as Float32Array);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const flat = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    flat.set(p, offset);
    offset += p.length;
  }
  await writeFileAtomic(join(dir, "optimizer.bin"), new Uint8Array(flat.buffer));
  await writeFileAtomic(join(dir, "optimizer.json"), JSON.stringify(specs));
}

async function loadOptimizer(optimizer: tf.AdamOptimizer, dir: string): Promise<void> {
  const specs = JSON.parse(await readFile(join(dir, "optimizer.json"), "utf8")) as Array<{ name: string; shape: number[] }>;
  const bin = await readFile(join(dir, "optimizer.bin"));
  const flat = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  let offset = 0;
  const named = specs.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(flat.subarray(offset, offset + size), shape);
    offset += size;
    return { name, tensor };
  });
  await optimizer.setWeights(named);
  for (const { tensor } of named) tensor.dispose();
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
 * Trains one of the study's CNNs on a face dataset with Adam, keeping the best epoch by validation accuracy
 * (or the last one with `finalFit`). Writes `outDir/checkpoint/` after every epoch (resumable with `resume`),
 * `outDir/log.json`, and the chosen model with its card in `outDir/best/`.
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
  if (2 * r.shift >= size) throw new TrainOptionsError(`shift must be under half the face size (${size} px), got ${r.shift}`);
  const pp = preprocessSpec(r, size);
  const optionsKey = runKey(r, data);
  const checkpointDir = join(options.outDir, "checkpoint");
  const bestDir = join(options.outDir, "best");

  const { train, validation, dropped } = prepareData(data, r);
  const trainFaces = prepareFaces(train.pixels, train.count, pp);
  const validationFaces = validation ? prepareFaces(validation.pixels, validation.count, pp) : undefined;

  let state: CheckpointState = { optionsKey, epochsDone: 0, bestValidation: -1, bestEpoch: 0, seconds: 0, log: [] };
  let model: tfl.LayersModel;
  const optimizer = tf.train.adam(r.learningRate);
  const previous = options.resume ? await readState(checkpointDir) : undefined;
  if (previous !== undefined) {
    if (previous.optionsKey !== optionsKey) {
      throw new TrainOptionsError(`the checkpoint in ${checkpointDir} was made with other options or data; use another outDir or drop resume`);
    }
    state = previous;
    model = await loadLayersModel(checkpointDir);
  } else {
    if (!options.resume) await rm(checkpointDir, { recursive: true, force: true });
    model = buildModel(r.architecture, { inputSize: size, classes: data.classes.length, seed: r.initSeed });
  }
  if (previous !== undefined) await loadOptimizer(optimizer, checkpointDir);
  const schedule = r.finalFit ? undefined : options.reduceLrOnPlateau;
  if (schedule !== undefined) {
    try {
      assertPlateauSchedule(schedule);
    } catch (e) {
      throw new TrainOptionsError((e as Error).message);
    }
  }
  let learningRate = state.learningRate ?? r.learningRate;
  if (schedule !== undefined && state.epochsDone > 0) {
    // A schedule added when resuming judges the epochs already done, so a run that has stalled is
    // lowered before its next epoch; when the schedule ran all along this repeats its last verdict.
    state = afterEpochOnPlateau(schedule, state, learningRate, state.epochsDone, options.progress !== false);
    learningRate = state.learningRate ?? learningRate;
  }
  setLearningRate(optimizer, learningRate);
  const lossSpec = { model, output: spec.output, size, crossEntropy: r.crossEntropy };
  const workersFromEnv = process.env.FER_TRAIN_WORKERS === undefined || process.env.FER_TRAIN_WORKERS === "" ? undefined : Number(process.env.FER_TRAIN_WORKERS);
  const requestedWorkers = options.workers ?? workersFromEnv;
  if (requestedWorkers !== undefined && !(Number.isInteger(requestedWorkers) && requestedWorkers >= 1)) {
    throw new TrainOptionsError(`workers must be a positive whole number, got ${requestedWorkers}`);
  }
  const workers = requestedWorkers ?? 1;
  let runner: StepRunner;
  if (engine.engine === "onnxruntime") {
    runner = await createOnnxStepRunner(lossSpec, optimizer, spec.l2, engine.ort, requestedWorkers);
  } else {
    runner =
      workers > 1
        ? await createDataParallelStepRunner(lossSpec, optimizer, spec.l2, {
            architecture: r.architecture,
            classes: data.classes.length,
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
  const shiftScratch = new Float32Array(per);
  const lastEpoch = options.maxEpochsThisRun !== undefined ? Math.min(r.epochs, state.epochsDone + options.maxEpochsThisRun) : r.epochs;
  if (options.progress !== false) {
    process.stderr.write(`training ${r.architecture} on ${train.count} images (${trainedOn})\n`);
  }

  const checkpointEvery = (options.checkpointMinutes ?? 10) * 60_000;
  const saveCheckpoint = async (s: CheckpointState) => {
    await saveLayersModel(model, checkpointDir);
    await saveOptimizer(optimizer, checkpointDir);
    await writeFileAtomic(join(checkpointDir, "state.json"), JSON.stringify(s));
  };
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
      gatherBatch(trainFaces, train.labels, per, order, start, start + n, xBuf, yBuf);
      shiftFaces(xBuf, n, size, r.shift, batchRandom(r.initSeed, epoch, start), shiftScratch);
      const result = await runner.step(xBuf, yBuf, n);
      lossSum += result.lossSum;
      correct += result.correct;
      const done = start + n;
      position = done;
      bar?.update(done, `loss ${(lossSum / done).toFixed(4)} acc ${(correct / done).toFixed(4)}`);
      options.onBatch?.(done, epoch);
      interrupted = options.signal?.aborted === true && done < train.count;
      if (done < train.count && (interrupted || (checkpointEvery > 0 && Date.now() - lastCheckpoint > checkpointEvery))) {
        const partial: PartialEpoch = { epoch, nextStart: done, lossSum, correct, seconds: (Date.now() - started) / 1000 };
        await saveCheckpoint({ ...state, partial });
        lastCheckpoint = Date.now();
      }
      if (interrupted) break;
    }
    if (interrupted) {
      bar?.finish("interrupted: checkpoint saved; continue with resume", position);
      break;
    }
    let validationAccuracy: number | null = null;
    if (validation !== undefined && validationFaces !== undefined) {
      const { values, width } = await validationScores(engine, model, validationFaces, validation.count, size, requestedWorkers);
      validationAccuracy = accuracy(argmaxRows(values, width), validation.labels);
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
    };
    bar?.finish(`loss ${entry.loss.toFixed(4)} acc ${entry.trainAccuracy.toFixed(4)}${validationAccuracy === null ? "" : ` val ${validationAccuracy.toFixed(4)}`}`);
    const improved = r.finalFit || (validationAccuracy ?? -1) > state.bestValidation;
    state = {
      optionsKey,
      epochsDone: epoch,
      partial: undefined,
      bestValidation: improved ? (validationAccuracy ?? -1) : state.bestValidation,
      bestEpoch: improved ? epoch : state.bestEpoch,
      seconds: state.seconds + seconds,
      log: [...state.log, entry],
      ...(state.learningRate !== undefined ? { learningRate: state.learningRate } : {}),
      ...(state.lastReduction !== undefined ? { lastReduction: state.lastReduction } : {}),
    };
    if (schedule !== undefined) {
      state = afterEpochOnPlateau(schedule, state, learningRate, epoch, options.progress !== false);
      learningRate = state.learningRate ?? learningRate;
      setLearningRate(optimizer, learningRate);
    }
    if (improved) {
      const card = makeCard(r, pp, data, train.count, validation?.count ?? 0, dropped, state, entry, engine.engine === "onnxruntime" ? "onnxruntime" : backend.name, model, options.source, schedule);
      await saveModelFolder(model, card, bestDir);
    }
    await saveCheckpoint(state);
    await writeFileAtomic(join(options.outDir, "log.json"), `${JSON.stringify({ architecture: r.architecture, options: r, epochs: state.log }, null, 2)}\n`);
    options.onEpoch?.(entry);
  }
  await runner.dispose();
  optimizer.dispose();
  model.dispose();
  const card = existsSync(join(bestDir, "card.json")) ? await readModelCard(bestDir) : undefined;
  return { bestDir, card, log: state.log, complete: !interrupted && state.epochsDone >= r.epochs };
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
  const forward = await onnxForward(engine.ort, model, size, threads);
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
      source: source ?? `${data.count} images`,
      validationFraction: r.validationFraction,
      seed: r.seed,
    },
    training: {
      epochs: r.epochs,
      bestEpoch: entry.epoch,
      batchSize: r.batchSize,
      learningRate: r.learningRate,
      ...(schedule !== undefined || state.log.some((e) => e.learningRate !== undefined && e.learningRate !== r.learningRate)
        ? { learningRateSchedule: `${schedule !== undefined ? `reduce on plateau: ${describePlateauSchedule(schedule)}` : "reduced on plateau"}; best epoch trained at ${entry.learningRate ?? r.learningRate}` }
        : {}),
      optimizer: "adam",
      loss: spec.output === "softmax" ? "categoricalCrossentropy" : "squaredHinge",
      ...(r.crossEntropy === "logits" ? { crossEntropy: "logits" as const } : {}),
      l2: spec.l2,
      backend,
      seconds: Math.round(state.seconds),
      finalFit: r.finalFit,
      initSeed: r.initSeed,
    },
    metrics: {
      trainAccuracy: entry.trainAccuracy,
      ...(entry.validationAccuracy === null ? {} : { validationAccuracy: entry.validationAccuracy }),
    },
    createdAt: new Date().toISOString(),
  };
}
