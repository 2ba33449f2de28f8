import { parseArgs } from "node:util";
import { relative, resolve } from "node:path";
import { findUnhelpfulImages, loadFolderDataset, subsetDataset, writeFileAtomic, type FaceDataset } from "@fer/preprocess/node";
import { ALL_ARCHITECTURES, isArchitecture } from "./architectures.js";
import { describeBackend, initBackend } from "@fer/runtime";
import { evaluateCnn, loadCnn, type FerCnn } from "./cnn-model.js";
import { EngineError, resolveEngine, type InferenceEngine, type ResolvedEngine } from "@fer/runtime";
import { writeModelCard } from "./model-io.js";
import { formatTeacherProbabilities } from "./soft-targets.js";
import { mirrorFaces } from "@fer/preprocess";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { createProgressBar } from "@fer/runtime";
import { formatExperimentTable, runExperimentTable } from "./experiments.js";
import { CheckpointError, trainCnn, TrainOptionsError } from "./train.js";
import { BATCH_SCHEDULES, parsePlateauSchedule, type BatchSchedule, type PlateauSchedule } from "./lr-schedule.js";
import { isOptimizerName, OPTIMIZERS } from "./optimizers.js";
import { AUGMENT_PRESETS, parseAugmentSpec, type AugmentSpec } from "./augment.js";

/** Loads a `<root>/<class>/*` folder with a progress bar, reporting skipped files on stderr. */
export async function loadFolderWithProgress(root: string, label = "loading"): Promise<FaceDataset> {
  let bar: ReturnType<typeof createProgressBar> | undefined;
  const { dataset, problems } = await loadFolderDataset(root, {
    onProgress: (done, total) => {
      bar ??= createProgressBar({ label: `${label} ${root}`, total, unit: "img" });
      bar.update(done);
    },
  });
  bar?.finish();
  for (const p of problems) process.stderr.write(`skipped ${p.file}: ${p.error.message}\n`);
  return dataset;
}

/** Keeps at most `perClass` images of each class (first ones in load order), for quick runs. */
export function limitPerClass(data: FaceDataset, perClass: number): FaceDataset {
  const seen = new Array<number>(data.classes.length).fill(0);
  const keep: number[] = [];
  for (let i = 0; i < data.count; i++) {
    const l = data.labels[i] as number;
    if ((seen[l] as number) < perClass) {
      seen[l] = (seen[l] as number) + 1;
      keep.push(i);
    }
  }
  return subsetDataset(data, keep);
}

/** Replaces each row of `k` scores by its softmax, in place. */
function softmaxRows(scores: Float32Array, k: number): void {
  for (let r = 0; r < scores.length; r += k) {
    const row = scores.subarray(r, r + k);
    const max = Math.max(...row);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += row[c] = Math.exp(row[c]! - max);
    for (let c = 0; c < k; c++) row[c]! /= sum;
  }
}

function fail(message: string): number {
  process.stderr.write(`error: ${message}\n`);
  return 2;
}

type OptionSpecs = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>;
type ParsedValues<O extends OptionSpecs> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true }>>["values"];

/**
 * Parses a command's arguments. Returns the values, or an exit code after printing the help (`--help`, code 0)
 * or the parse error with the help (unknown option, missing value; code 2).
 */
function parseCommand<O extends OptionSpecs>(argv: string[], options: O, help: string): ParsedValues<O> | number {
  try {
    const { values } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", default: false } }, strict: true });
    if ((values as Record<string, unknown>).help === true) {
      process.stdout.write(`${help}\n`);
      return 0;
    }
    return values as ParsedValues<O>;
  } catch (e) {
    return fail(`${(e as Error).message}\n${help}`);
  }
}

/** Parses a positive integer option, or returns undefined when it is not one. */
function positiveInt(text: string | undefined): number | undefined {
  const n = Number(text);
  return text !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

function isPixelScale(s: string): s is "unit" | "raw" | "standard" {
  return s === "unit" || s === "raw" || s === "standard";
}

function isCrossEntropyFrom(s: string): s is "probabilities" | "logits" {
  return s === "probabilities" || s === "logits";
}

const TRAIN_HELP = `fer train --data DIR --out DIR [options]
  Trains a CNN (the study's A-G, or vgg-bn, resnet) on a <root>/<class>/*.jpg folder.
  --arch NAME            architecture: A..G (the study's) or vgg-bn, resnet (default F)
  --epochs N             epochs (default 30)
  --batch N              batch size (default 64)
  --lr X                 learning rate (default 0.001; the peak rate with --lr-schedule)
  --optimizer NAME       ${OPTIMIZERS.join(" | ")} (default adam; adamw: decoupled weight decay; nesterov: SGD
                         with Nesterov momentum); its state is saved in checkpoints
  --weight-decay X       adamw (default 0.05) or sgd/nesterov (default 0) weight decay on kernels only
  --momentum X           sgd/nesterov momentum (default 0.9)
  --lr-schedule NAME     constant (default) | ${BATCH_SCHEDULES.join(" | ")}: set every batch, with linear warm-up
  --warmup-epochs X      warm-up of --lr-schedule in epochs (default 1; may be fractional)
  --min-lr X             cosine: the rate at the last batch (default 0); one-cycle ends at lr/25e4
  --lr-plateau F,P[,MIN] multiply the rate by F after P epochs without a better validation accuracy
                         (Keras ReduceLROnPlateau; e.g. 0.5,2,1e-5); may be added when resuming; not with --lr-schedule
  --ema DECAY            keep a moving average of the weights (e.g. 0.999); validation scores it and best/ holds it
  --augment SPEC         augment training faces on the fly (seeded per batch, training only): presets
                         ${Object.keys(AUGMENT_PRESETS).join(", ")} and/or items flip, crop=PX, rotate=DEG, scale=F, lowres=F,
                         blur=SIGMA, brightness=X, contrast=X, jpeg=QMIN, erase=P, mixup=ALPHA, cutmix=ALPHA,
                         comma-separated, later ones winning (e.g. detector,mixup=0.2); default none
  --label-smoothing E    train on (1-E)*target + E/7 (soft targets: need --cross-entropy logits or a logits model)
  --ferplus FILE         FER+ votes of the --data images (ferplus/train.csv): validation also reports accuracy
                         against the FER+ majority label
  --ferplus-weight W     train on (1-W)*label + W*FER+ vote distribution (needs --ferplus; default 0)
  --teacher FILE         distil: a CSV file,<class>,... of a teacher's probabilities per image (fer cnn-eval
                         --save-probabilities writes one)
  --teacher-weight W     the teacher's share in the targets (default 0.5 with --teacher)
  --select-by RULE       fer2013 (default) | ferplus | mean: what picks the best epoch on validation
  --seed N               seed of split, init and batch order (default 42)
  --no-mirror            do not add mirrored copies
  --shift N              move each training face by up to N pixels in x and y, at random per draw (default 0; not
                         in the study; validation and inference see faces unmoved)
  --contrast M           none | equalizeHist | clahe (default none; clahe uses tiles 4x4, limit 4)
  --cross-entropy FROM   probabilities (clipped, tfjs-layers' way, default) | logits (tf.keras' way); A-E only
  --pixel-scale S        unit (inputs /255, default) | raw (gray levels 0..255) | standard (each face
                         standardised: zero mean, unit standard deviation)
  --drop-unhelpful       leave blank, graphic and duplicate training images out (never validation ones)
  --final-fit            train on train+validation, keep the last epoch
  --resume               continue from DIR/checkpoint (verified against its manifest: an incomplete, corrupt
                         or mixed checkpoint is refused, naming the file)
  --max-epochs-this-run N  stop after N epochs (resume later; exit 0)
                         SIGINT/SIGTERM save a checkpoint after the current batch and exit 130/143
  --limit-per-class N    use at most N images per class (quick runs)
  --engine NAME          what runs each step: auto (default: onnxruntime when onnxruntime-node is installed,
                         else tfjs), onnxruntime, tfjs
  --backend NAME         tfjs backend: tensorflow | wasm | cpu (default: auto)
  --workers N            onnxruntime: threads (default one per core); tfjs: threads computing each step
                         together (data parallel; default 1, 2 on a 2-core machine)`;

/** `fer train`: trains a CNN, writing checkpoints, log.json and best/ (model + card) into --out. */
export async function train(argv: string[]): Promise<number> {
  const values = parseCommand(
    argv,
    {
      data: { type: "string" },
      out: { type: "string" },
      arch: { type: "string", default: "F" },
      epochs: { type: "string", default: "30" },
      batch: { type: "string", default: "64" },
      lr: { type: "string", default: "0.001" },
      "lr-plateau": { type: "string" },
      optimizer: { type: "string", default: "adam" },
      "weight-decay": { type: "string" },
      momentum: { type: "string" },
      "lr-schedule": { type: "string", default: "constant" },
      "warmup-epochs": { type: "string", default: "1" },
      "min-lr": { type: "string", default: "0" },
      ema: { type: "string" },
      augment: { type: "string", default: "none" },
      "label-smoothing": { type: "string", default: "0" },
      ferplus: { type: "string" },
      "ferplus-weight": { type: "string", default: "0" },
      teacher: { type: "string" },
      "teacher-weight": { type: "string", default: "0.5" },
      "select-by": { type: "string", default: "fer2013" },
      seed: { type: "string", default: "42" },
      "no-mirror": { type: "boolean", default: false },
      shift: { type: "string", default: "0" },
      contrast: { type: "string", default: "none" },
      "pixel-scale": { type: "string", default: "unit" },
      "cross-entropy": { type: "string", default: "probabilities" },
      "final-fit": { type: "boolean", default: false },
      "drop-unhelpful": { type: "boolean", default: false },
      resume: { type: "boolean", default: false },
      "max-epochs-this-run": { type: "string" },
      "limit-per-class": { type: "string" },
      backend: { type: "string" },
      workers: { type: "string" },
      engine: { type: "string" },
    },
    TRAIN_HELP,
  );
  if (typeof values === "number") return values;
  if (values.data === undefined || values.out === undefined) return fail(`--data and --out are required\n${TRAIN_HELP}`);
  if (!isArchitecture(values.arch)) return fail(`--arch must be one of ${ALL_ARCHITECTURES.join(", ")}`);
  const contrast = values.contrast;
  if (contrast !== "none" && contrast !== "equalizeHist" && contrast !== "clahe") return fail("--contrast must be none, equalizeHist or clahe");
  const pixelScale = values["pixel-scale"];
  if (!isPixelScale(pixelScale)) return fail("--pixel-scale must be unit, raw or standard");
  const crossEntropy = values["cross-entropy"];
  if (!isCrossEntropyFrom(crossEntropy)) return fail("--cross-entropy must be probabilities or logits");
  let plateau: PlateauSchedule | undefined;
  try {
    plateau = values["lr-plateau"] !== undefined ? parsePlateauSchedule(values["lr-plateau"]) : undefined;
  } catch (e) {
    return fail(`--lr-plateau: ${(e as Error).message}`);
  }
  if (!isOptimizerName(values.optimizer)) return fail(`--optimizer must be one of ${OPTIMIZERS.join(", ")}`);
  const numbers: Record<string, number> = {};
  for (const name of ["weight-decay", "momentum", "warmup-epochs", "min-lr", "ema", "label-smoothing", "ferplus-weight", "teacher-weight"] as const) {
    const text = values[name];
    if (text === undefined) continue;
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n)) return fail(`--${name} must be a number, got ${text}`);
    numbers[name] = n;
  }
  let lrSchedule: BatchSchedule | undefined;
  const scheduleName = values["lr-schedule"];
  if (scheduleName === "cosine") lrSchedule = { kind: "cosine", warmupEpochs: numbers["warmup-epochs"]!, minLearningRate: numbers["min-lr"]! };
  else if (scheduleName === "one-cycle") lrSchedule = { kind: "one-cycle", warmupEpochs: numbers["warmup-epochs"]!, divFactor: 25, finalDivFactor: 1e4 };
  else if (scheduleName !== "constant") return fail(`--lr-schedule must be constant, ${BATCH_SCHEDULES.join(" or ")}`);
  let augment: AugmentSpec;
  try {
    augment = parseAugmentSpec(values.augment);
  } catch (e) {
    return fail(`--augment: ${(e as Error).message}`);
  }
  const selectBy = values["select-by"];
  if (selectBy !== "fer2013" && selectBy !== "ferplus" && selectBy !== "mean") return fail("--select-by must be fer2013, ferplus or mean");
  const backend = await initBackend(values.backend !== undefined ? { backend: values.backend as "wasm" } : {});
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  let data = await loadFolderWithProgress(resolve(values.data));
  if (values["limit-per-class"] !== undefined) {
    const perClass = positiveInt(values["limit-per-class"]);
    if (perClass === undefined) return fail(`--limit-per-class must be a positive integer, got ${values["limit-per-class"]}`);
    data = limitPerClass(data, perClass);
  }
  const dropFromTraining = values["drop-unhelpful"] ? findUnhelpfulImages(data).map((u) => u.index) : [];
  if (values["drop-unhelpful"]) process.stderr.write(`leaving ${dropFromTraining.length} unhelpful images out of training (where they fall in the training part)\n`);
  const stop = new AbortController();
  // The signal that paused the run: the command then exits 128 + its number (130 for SIGINT, 143 for SIGTERM), like
  // `fer analyze` and `fer eval`, so that a script or a service manager sees the training did not finish.
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stoppedBy = signal;
    // From now on any signal has Node's default effect: a second Ctrl-C ends the process at once.
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.stderr.write(`\n${signal}: stopping after this batch; a checkpoint will be saved (resume with --resume)\n`);
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const result = await trainCnn(data, {
      signal: stop.signal,
      dropFromTraining,
      ...(values.workers !== undefined ? { workers: Number(values.workers) } : {}),
      ...(values.engine !== undefined ? { engine: values.engine as InferenceEngine } : {}),
      architecture: values.arch,
      outDir: resolve(values.out),
      epochs: Number(values.epochs),
      batchSize: Number(values.batch),
      learningRate: Number(values.lr),
      ...(plateau !== undefined ? { reduceLrOnPlateau: plateau } : {}),
      optimizer: {
        name: values.optimizer,
        ...(numbers["weight-decay"] !== undefined ? { weightDecay: numbers["weight-decay"] } : {}),
        ...(numbers.momentum !== undefined ? { momentum: numbers.momentum } : {}),
      },
      ...(lrSchedule !== undefined ? { lrSchedule } : {}),
      ...(numbers.ema !== undefined ? { ema: numbers.ema } : {}),
      augment,
      labelSmoothing: numbers["label-smoothing"]!,
      ...(values.ferplus !== undefined ? { ferplusVotes: resolve(values.ferplus) } : {}),
      ferplusWeight: numbers["ferplus-weight"]!,
      ...(values.teacher !== undefined ? { teacher: { file: resolve(values.teacher), weight: numbers["teacher-weight"]! } } : {}),
      selectBy,
      seed: Number(values.seed),
      mirror: !values["no-mirror"],
      shift: Number(values.shift),
      contrast,
      pixelScale,
      crossEntropy,
      finalFit: values["final-fit"],
      resume: values.resume,
      // The card ships with the model: the data folder relative to the working directory, never a machine path.
      source: relative(process.cwd(), resolve(values.data)) || ".",
      ...(values["max-epochs-this-run"] !== undefined ? { maxEpochsThisRun: Number(values["max-epochs-this-run"]) } : {}),
    });
    const card = result.card;
    const best =
      card === undefined
        ? "no epoch finished yet"
        : `best epoch ${card.training.bestEpoch}, validation accuracy ${card.metrics.validationAccuracy === undefined ? "n/a" : `${(card.metrics.validationAccuracy * 100).toFixed(2)}%`}${
            card.metrics.validationFerPlusAccuracy === undefined ? "" : ` (FER+ majority ${(card.metrics.validationFerPlusAccuracy * 100).toFixed(2)}% of ${card.metrics.validationFerPlusImages})`
          }${card.training.weights === "ema" ? " with the averaged weights" : ""}, model in ${result.bestDir}`;
    process.stdout.write(`${result.complete ? "done" : "paused (continue with --resume)"}: ${best}\n`);
    return stoppedBy === undefined ? 0 : 128 + constants.signals[stoppedBy];
  } catch (e) {
    if (e instanceof TrainOptionsError || e instanceof CheckpointError) return fail(e.message);
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

const CNN_EVAL_HELP = `fer cnn-eval --model DIR --data DIR [--json] [--record-test] [--mirror-average] [--engine NAME]
  Accuracy of a trained CNN (a folder written by fer train, e.g. its best/) on a <root>/<class>/*.jpg folder.
  --json                 print {images, accuracy, msPerFace, backend, engine, mirrorAverage}
  --engine NAME          auto (default: onnxruntime when onnxruntime-node is installed, else tfjs), onnxruntime, tfjs
  --record-test          write the accuracy into the model card as its test accuracy
  --mirror-average       average each face's outputs with its mirror image's (test-time augmentation; twice the time)
  --save-probabilities FILE  also write each image's class probabilities as CSV (file,<class>,...; softmax of the
                         scores for models without a softmax output), the teacher file of fer train --teacher;
                         an existing FILE is never overwritten`;

/**
 * `fer cnn-eval --model DIR --data DIR [--json] [--record-test]`: accuracy of a trained CNN on a labelled folder.
 * `--record-test` writes the figure into the model card as its test accuracy (never used for any choice).
 */
export async function cnnEval(argv: string[]): Promise<number> {
  const values = parseCommand(
    argv,
    {
      model: { type: "string" },
      data: { type: "string" },
      json: { type: "boolean", default: false },
      "record-test": { type: "boolean", default: false },
      "mirror-average": { type: "boolean", default: false },
      "save-probabilities": { type: "string" },
      engine: { type: "string" },
    },
    CNN_EVAL_HELP,
  );
  if (typeof values === "number") return values;
  if (values.model === undefined || values.data === undefined) return fail(`--model and --data are required\n${CNN_EVAL_HELP}`);
  let cnn: FerCnn;
  try {
    cnn = await loadCnn(resolve(values.model), { engine: values.engine as InferenceEngine | undefined });
  } catch (e) {
    if (e instanceof EngineError) return fail(`${e.message}\n${CNN_EVAL_HELP}`);
    throw e;
  }
  const data = await loadFolderWithProgress(resolve(values.data));
  const started = performance.now();
  const mirrorAverage = values["mirror-average"];
  const { accuracy } = await evaluateCnn(cnn, data, { mirrorAverage });
  const msPerFace = (performance.now() - started) / Math.max(data.count, 1);
  const probabilitiesFile = values["save-probabilities"];
  if (probabilitiesFile !== undefined) {
    const file = resolve(probabilitiesFile);
    if (existsSync(file)) return fail(`--save-probabilities: ${file} exists; it is not overwritten`);
    const scores = await cnn.scores(data.pixels, data.count);
    if (mirrorAverage) {
      const mirrored = await cnn.scores(mirrorFaces(data.pixels, data.count, data.size), data.count);
      for (let i = 0; i < scores.length; i++) scores[i] = (scores[i]! + mirrored[i]!) / 2;
    }
    const k = cnn.card.classes.length;
    if (cnn.card.output !== "softmax") softmaxRows(scores, k);
    await writeFileAtomic(file, formatTeacherProbabilities(data.ids, cnn.card.classes, scores));
    process.stderr.write(`wrote ${data.count} rows of class probabilities to ${file}\n`);
  }
  const backend = await initBackend();
  if (values["record-test"]) {
    const metric = mirrorAverage ? { testAccuracyMirrorAverage: accuracy } : { testAccuracy: accuracy };
    await writeModelCard(resolve(values.model), { ...cnn.card, metrics: { ...cnn.card.metrics, ...metric, testSet: `${values.data} (${data.count} images)` } });
  }
  cnn.dispose();
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ images: data.count, accuracy, msPerFace, backend: backend.name, engine: cnn.engine, mirrorAverage })}\n`);
  } else {
    const how = mirrorAverage ? " (each face averaged with its mirror image)" : "";
    process.stdout.write(`${data.count} images: accuracy ${(accuracy * 100).toFixed(2)}%${how}, ${msPerFace.toFixed(2)} ms/face on ${cnn.engine === "onnxruntime" ? "onnxruntime" : describeBackend(backend)}\n`);
  }
  return 0;
}

const CNN_EXPERIMENTS_HELP = `fer cnn-experiments --data DIR --out DIR [options]
  The study's tables: validation accuracy (mean, max, min, variance over runs) per architecture or per preprocessing of F.
  --table NAME           architectures (A-G, default) or preprocessing (F: none, equalizeHist, clahe, mirror)
  --runs N               runs per row (default 3)
  --epochs N             epochs per run (default 10)
  --batch N              batch size (default 64)
  --limit-per-class N    use at most N images per class
  --engine NAME          auto (default), onnxruntime or tfjs: what runs the training steps (see fer train)
  --only NAME            run only this row (repeatable)
  --pixel-scale S        unit (default) | raw | standard (see fer train), for every row
  --cross-entropy FROM   probabilities (default) | logits (see fer train), for the softmax rows
  Runs resume: the same command again continues an interrupted table.`;

/** `fer cnn-experiments`: the study's architecture or preprocessing table, N runs per row. */
export async function cnnExperiments(argv: string[]): Promise<number> {
  const values = parseCommand(
    argv,
    {
      data: { type: "string" },
      out: { type: "string" },
      table: { type: "string", default: "architectures" },
      runs: { type: "string", default: "3" },
      epochs: { type: "string", default: "10" },
      batch: { type: "string", default: "64" },
      "limit-per-class": { type: "string" },
      engine: { type: "string" },
      only: { type: "string", multiple: true },
      "pixel-scale": { type: "string", default: "unit" },
      "cross-entropy": { type: "string", default: "probabilities" },
    },
    CNN_EXPERIMENTS_HELP,
  );
  if (typeof values === "number") return values;
  if (values.data === undefined || values.out === undefined) return fail(`--data and --out are required\n${CNN_EXPERIMENTS_HELP}`);
  if (values.table !== "architectures" && values.table !== "preprocessing") return fail(`--table must be architectures or preprocessing`);
  for (const name of ["runs", "epochs", "batch"] as const) {
    if (positiveInt(values[name]) === undefined) return fail(`--${name} must be a positive integer, got ${values[name]}`);
  }
  const pixelScale = values["pixel-scale"];
  if (!isPixelScale(pixelScale)) return fail("--pixel-scale must be unit, raw or standard");
  const crossEntropy = values["cross-entropy"];
  if (!isCrossEntropyFrom(crossEntropy)) return fail("--cross-entropy must be probabilities or logits");
  let data = await loadFolderWithProgress(resolve(values.data));
  if (values["limit-per-class"] !== undefined) {
    const perClass = positiveInt(values["limit-per-class"]);
    if (perClass === undefined) return fail(`--limit-per-class must be a positive integer, got ${values["limit-per-class"]}`);
    data = limitPerClass(data, perClass);
  }
  const backend = await initBackend();
  let engine: ResolvedEngine;
  try {
    engine = await resolveEngine(values.engine as InferenceEngine | undefined);
  } catch (e) {
    if (e instanceof EngineError) return fail(`${e.message}\n${CNN_EXPERIMENTS_HELP}`);
    throw e;
  }
  const rows = await runExperimentTable(data, {
    engine: engine.engine,
    table: values.table,
    runs: Number(values.runs),
    epochs: Number(values.epochs),
    batchSize: Number(values.batch),
    pixelScale,
    crossEntropy,
    outDir: resolve(values.out),
    ...(values.only !== undefined ? { only: values.only } : {}),
  });
  process.stdout.write(
    `${values.table} table: ${values.runs} runs x ${values.epochs} epochs on ${data.count} images, validation accuracy (%), ${engine.engine === "onnxruntime" ? "onnxruntime" : describeBackend(backend)}\n` +
      `${formatExperimentTable(rows)}\n`,
  );
  return 0;
}
