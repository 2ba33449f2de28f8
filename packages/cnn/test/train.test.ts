import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFolderDataset, type FaceDataset } from "@fer/preprocess/node";
import { initBackend } from "@fer/runtime";
import { mirrorFaces } from "@fer/preprocess";
import { DatasetMismatchError, evaluateCnn, loadCnn } from "../src/cnn-model.js";
import { layersModelOf } from "../src/layers-model-of.js";
import { argmaxRows } from "../src/inference.js";
import { trainingPartOf } from "../src/training-split.js";
import { plateauStep } from "../src/lr-schedule.js";
import { trainCnn } from "../src/train.js";
import { limitPerClass } from "../src/cli.js";
import { formatExperimentTable, runExperimentTable, summarise } from "../src/experiments.js";
import { fer2013 } from "./shared-data.js";

const PER_CLASS = 40;
let work: string;
let data: FaceDataset;

/** Copies the first `perClass` images of each class of the shared train folder into a small folder. */
async function smallSlice(dir: string, perClass: number): Promise<void> {
  for (const cls of await readdir(fer2013("train"))) {
    const files = (await readdir(join(fer2013("train"), cls))).sort().slice(0, perClass);
    await mkdir(join(dir, cls), { recursive: true });
    await Promise.all(files.map((f) => copyFile(join(fer2013("train"), cls, f), join(dir, cls, f))));
  }
}

beforeAll(async () => {
  await initBackend();
  work = await mkdtemp(join(tmpdir(), "fer-cnn-test-"));
  await smallSlice(join(work, "data"), PER_CLASS);
  data = (await loadFolderDataset(join(work, "data"), { cache: false })).dataset;
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("training on a small slice of FER2013", () => {
  it("lowers the loss, saves the best model with its card, and resumes from the checkpoint", async () => {
    expect(data.count).toBe(7 * PER_CLASS);
    const outDir = join(work, "run-a");
    // The tfjs step here; the onnxruntime one (the default when installed) in onnx-training.test.ts.
    const first = await trainCnn(data, { architecture: "A", outDir, epochs: 3, batchSize: 32, mirror: false, progress: false, seed: 7, engine: "tfjs" });
    expect(first.log).toHaveLength(3);
    expect(first.log[2]!.loss).toBeLessThan(first.log[0]!.loss);
    expect(first.card?.architecture).toBe("A");
    expect(first.card?.data.validationImages).toBe(28);
    expect(first.card?.data.trainImages).toBe(7 * PER_CLASS - 28);
    expect(first.card?.preprocess).toEqual({ size: 48, contrast: "none" });
    const log = JSON.parse(await readFile(join(outDir, "log.json"), "utf8")) as { epochs: unknown[] };
    expect(log.epochs).toHaveLength(3);

    // The card recreates the CNN's own split: held-out and trained-on images, disjoint, covering the folder.
    const card = first.card!;
    const held = trainingPartOf(data, card, "validation");
    const seen = trainingPartOf(data, card, "train");
    expect(held.count).toBe(28);
    expect(seen.count).toBe(7 * PER_CLASS - 28);
    expect(new Set([...held.ids, ...seen.ids]).size).toBe(data.count);
    expect(trainingPartOf(data, card, "all")).toBe(data);
    expect(() => trainingPartOf(limitPerClass(data, 10), card, "validation")).toThrow(DatasetMismatchError);
    expect(() => trainingPartOf(data, { ...card, training: { ...card.training, finalFit: true } }, "train")).toThrow(/final fit/);

    const resumed = await trainCnn(data, { architecture: "A", outDir, epochs: 4, batchSize: 32, mirror: false, progress: false, seed: 7, resume: true, engine: "tfjs" });
    expect(resumed.log).toHaveLength(4);
    expect(resumed.log.slice(0, 3)).toEqual(first.log);
    expect(resumed.complete).toBe(true);
  });

  it("lowers the learning rate on validation plateaus, logs each epoch's rate and says so in the card", async () => {
    const schedule = { factor: 0.5, patience: 1, minLearningRate: 0 };
    const small = limitPerClass(data, 12);
    const result = await trainCnn(small, { architecture: "A", outDir: join(work, "run-plateau"), epochs: 4, batchSize: 32, mirror: false, progress: false, seed: 11, reduceLrOnPlateau: schedule });
    // Replay the rule on the logged validation accuracies: the logged rates must follow it.
    let lr = 1e-3;
    let [best, bestEpoch, lastReduction] = [-1, 0, 0];
    for (const entry of result.log) {
      expect(entry.learningRate).toBe(lr);
      if (entry.validationAccuracy! > best) [best, bestEpoch] = [entry.validationAccuracy!, entry.epoch];
      const step = plateauStep(schedule, lr, { epoch: entry.epoch, bestEpoch, lastReduction });
      if (step.reduced) lastReduction = entry.epoch;
      lr = step.learningRate;
    }
    expect(result.log.some((e) => e.learningRate! < 1e-3)).toBe(true); // this seed stalls at least once
    expect(result.card?.training.learningRateSchedule).toMatch(/reduce on plateau: x0.5 after 1 epoch/);
  });

  it("a plateau schedule added on resume lowers the rate before the next epoch when the run has already stalled", async () => {
    // At this rate nothing moves, so epoch 2 cannot beat epoch 1 on validation: the run has stalled by epoch 2.
    const base = { architecture: "A" as const, batchSize: 32, mirror: false, progress: false, seed: 13, learningRate: 1e-9, outDir: join(work, "run-resume-plateau") };
    const small = limitPerClass(data, 8);
    const first = await trainCnn(small, { ...base, epochs: 2 });
    expect(first.log.map((e) => e.learningRate)).toEqual([1e-9, 1e-9]);
    expect(first.log[1]!.validationAccuracy).toBe(first.log[0]!.validationAccuracy);
    const resumed = await trainCnn(small, { ...base, epochs: 3, resume: true, reduceLrOnPlateau: { factor: 0.5, patience: 1, minLearningRate: 0 } });
    expect(resumed.log.slice(0, 2)).toEqual(first.log);
    expect(resumed.log[2]!.learningRate).toBe(5e-10);
  });

  it("moves training faces when asked, records it in the card, and keeps it part of the run's identity", async () => {
    const small = limitPerClass(data, 10);
    // Raw inputs and the logits' cross-entropy make A learn in one epoch, so what it is fed shows in its loss.
    const base = { architecture: "A" as const, epochs: 1, batchSize: 32, mirror: false, progress: false, seed: 3, pixelScale: "raw" as const, crossEntropy: "logits" as const };
    const still = await trainCnn(small, { ...base, outDir: join(work, "run-still") });
    const moved = await trainCnn(small, { ...base, outDir: join(work, "run-moved"), shift: 4 });
    expect(moved.card?.data.shift).toBe(4);
    expect(still.card?.data.shift).toBeUndefined();
    expect(moved.log[0]!.loss).not.toBeCloseTo(still.log[0]!.loss, 4); // same seed and order, moved faces
    await expect(trainCnn(small, { ...base, epochs: 2, outDir: join(work, "run-still"), resume: true, shift: 4 })).rejects.toThrow(/other options/);
    await expect(trainCnn(small, { ...base, outDir: join(work, "run-bad"), shift: 24 })).rejects.toThrow(/under half the face size/);
    await expect(trainCnn(small, { ...base, outDir: join(work, "run-bad"), shift: 1.5 })).rejects.toThrow(/whole number/);
  });

  it("trains F (linear output, squared hinge, L2) with mirrored copies", async () => {
    const outDir = join(work, "run-f");
    const small = limitPerClass(data, 10);
    const result = await trainCnn(small, { architecture: "F", outDir, epochs: 1, batchSize: 32, progress: false, seed: 3 });
    expect(result.card?.data.mirrored).toBe(true);
    expect(result.card?.data.trainImages).toBe(2 * (70 - 7));
    expect(result.card?.training.loss).toBe("squaredHinge");
    expect(Number.isFinite(result.log[0]!.loss)).toBe(true);
  });

  it("trains on raw gray levels when asked, records it in the card and applies it at inference", async () => {
    const small = limitPerClass(data, 10);
    const base = { architecture: "A" as const, epochs: 1, batchSize: 32, mirror: false, progress: false, seed: 3 };
    const raw = await trainCnn(small, { ...base, outDir: join(work, "run-raw"), pixelScale: "raw" });
    expect(raw.card?.preprocess).toEqual({ size: 48, contrast: "none", pixelScale: "raw" });
    const unit = await trainCnn(small, { ...base, outDir: join(work, "run-unit") });
    expect(unit.card?.preprocess).toEqual({ size: 48, contrast: "none" });
    expect(raw.log[0]!.loss).not.toBeCloseTo(unit.log[0]!.loss, 3); // same seed, other inputs
    // A checkpoint is only resumed with the pixel scale it was made with.
    await expect(trainCnn(small, { ...base, epochs: 2, outDir: join(work, "run-raw"), resume: true })).rejects.toThrow(/other options/);

    const cnn = await loadCnn(raw.bestDir, { engine: "tfjs" });
    const pixels = small.pixels.subarray(0, 3 * 48 * 48);
    const layersModel = await layersModelOf(cnn);
    const direct = tf.tidy(() => (layersModel.predict(tf.tensor4d(Float32Array.from(pixels), [3, 48, 48, 1])) as tf.Tensor).dataSync());
    layersModel.dispose();
    const scores = await cnn.scores(pixels, 3);
    scores.forEach((v, i) => expect(v).toBeCloseTo(direct[i]!, 5));
    cnn.dispose();
  });

  it("an interrupted epoch (with random shifts) resumes from its mid-epoch checkpoint to the same result as an uninterrupted run", async () => {
    const small = limitPerClass(data, 20);
    const base = { architecture: "A" as const, epochs: 1, batchSize: 16, mirror: false, progress: false, seed: 5, shift: 3 };
    const straight = await trainCnn(small, { ...base, outDir: join(work, "straight") });
    const stop = new AbortController();
    let batches = 0;
    const stopped = await trainCnn(small, {
      ...base,
      outDir: join(work, "stopped"),
      signal: stop.signal,
      onBatch: () => {
        if (++batches === 4) stop.abort();
      },
    });
    expect(stopped.complete).toBe(false);
    expect(stopped.log).toHaveLength(0);
    const state = JSON.parse(await readFile(join(work, "stopped", "checkpoint", "state.json"), "utf8")) as { partial: { nextStart: number } };
    expect(state.partial.nextStart).toBe(4 * 16);
    const resumed = await trainCnn(small, { ...base, outDir: join(work, "stopped"), resume: true });
    expect(resumed.complete).toBe(true);
    expect(resumed.log[0]!.loss).toBeCloseTo(straight.log[0]!.loss, 5);
    expect(resumed.log[0]!.validationAccuracy).toBe(straight.log[0]!.validationAccuracy);
  });

  it("a loaded model predicts, extracts 64-d features, and leaks no tensors over 1,000 calls", async () => {
    const cnn = await loadCnn(join(work, "run-a", "best"), { engine: "tfjs" });
    const one = data.pixels.subarray(0, 48 * 48);
    const scores = await cnn.scores(one, 1);
    expect(scores).toHaveLength(7);
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    const features = await cnn.features(data.pixels.subarray(0, 5 * 48 * 48), 5, "dense2");
    expect(features).toHaveLength(5 * 64);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) await cnn.scores(one, 1);
    expect(tf.memory().numTensors).toBe(before);
    await expect(cnn.scores(one, 2)).rejects.toThrow(/expected 2 faces/);
    cnn.dispose();
  });

  it("evaluates with each face's outputs averaged with its mirror image's", async () => {
    const cnn = await loadCnn(join(work, "run-a", "best"));
    const slice = { ...data, count: 20, pixels: data.pixels.subarray(0, 20 * 48 * 48), labels: data.labels.subarray(0, 20), ids: data.ids.slice(0, 20) };
    const a = await cnn.scores(slice.pixels, 20);
    const b = await cnn.scores(mirrorFaces(slice.pixels, 20, 48), 20);
    const expected = argmaxRows(a.map((v, i) => (v + b[i]!) / 2), 7);
    const averaged = await evaluateCnn(cnn, slice, { mirrorAverage: true });
    expect(averaged.predicted).toEqual(expected);
    expect(averaged.accuracy).toBeCloseTo(expected.filter((c, i) => c === slice.labels[i]).length / 20, 12);
    // A mirrored dataset gives the same averaged predictions: averaging is symmetric in the two views.
    const flipped = await evaluateCnn(cnn, { ...slice, pixels: mirrorFaces(slice.pixels, 20, 48) }, { mirrorAverage: true });
    expect(flipped.predicted).toEqual(expected);
    expect((await evaluateCnn(cnn, slice)).predicted).toEqual(argmaxRows(a, 7));
    cnn.dispose();
  });
});

describe("the study's experiment tables", () => {
  it("trains each selected configuration N times and reports mean, max, min and variance of validation accuracy", async () => {
    const small = limitPerClass(data, 12);
    const outDir = join(work, "experiments");
    const options = {
      table: "preprocessing",
      runs: 2,
      epochs: 1,
      batchSize: 16,
      outDir,
      only: ["no preprocessing", "CLAHE size=(4,4) limit=4"],
      progress: false,
    } as const;
    const rows = await runExperimentTable(small, options);
    expect(rows.map((r) => r.name)).toEqual(["no preprocessing", "CLAHE size=(4,4) limit=4"]);
    for (const row of rows) {
      expect(row.runs).toHaveLength(2);
      for (const acc of row.runs) expect(acc).toBeGreaterThanOrEqual(0);
      expect(row.max).toBe(Math.max(...row.runs));
      expect(row.min).toBe(Math.min(...row.runs));
      expect(row.mean).toBeCloseTo((row.runs[0]! + row.runs[1]!) / 2, 10);
      expect(row.variance).toBeCloseTo(((row.runs[0]! - row.runs[1]!) / 2) ** 2, 10);
    }
    const saved = JSON.parse(await readFile(join(outDir, "preprocessing.json"), "utf8")) as { rows: unknown[]; runs: number; pixelScale: string };
    expect(saved.runs).toBe(2);
    expect(saved.pixelScale).toBe("unit");
    expect(saved.rows).toEqual(rows);
    expect(formatExperimentTable(rows)).toMatch(/^\| no preprocessing \| [\d.]+ \|/m);
    // Started again, the table reads its finished runs back instead of training them again.
    let epochsTrained = 0;
    const again = await runExperimentTable(small, { ...options, onEpoch: () => epochsTrained++ });
    expect(again).toEqual(rows);
    expect(epochsTrained).toBe(0);
    // Another pixel scale is another set of runs, and every run's card says which scale it used.
    const standard = await runExperimentTable(small, { ...options, runs: 1, only: ["no preprocessing"], pixelScale: "standard", outDir: join(work, "experiments-standard") });
    expect(standard[0]!.runs).toHaveLength(1);
    const card = JSON.parse(await readFile(join(work, "experiments-standard", "preprocessing", "no_preprocessing", "run1", "best", "card.json"), "utf8")) as { preprocess: unknown };
    expect(card.preprocess).toEqual({ size: 48, contrast: "none", pixelScale: "standard" });
    expect(summarise("x", [0.5, 0.7])).toEqual({ name: "x", runs: [50, 70], mean: 60, max: 70, min: 50, variance: 100 });
  });
});
