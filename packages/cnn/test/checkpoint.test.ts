import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFolderDataset, type FaceDataset } from "@fer/preprocess/node";
import { initBackend } from "@fer/runtime";
import { CheckpointError, loadCheckpoint, saveCheckpoint } from "../src/checkpoint.js";
import { trainCnn, type TrainOptions } from "../src/train.js";
import { parseAugmentSpec } from "../src/augment.js";
import { fer2013, sharedDir } from "./shared-data.js";

let work: string;
let data: FaceDataset;

beforeAll(async () => {
  await initBackend();
  work = await mkdtemp(join(tmpdir(), "fer-checkpoint-"));
  for (const cls of await readdir(fer2013("train"))) {
    const files = (await readdir(join(fer2013("train"), cls))).sort().slice(0, 6);
    await mkdir(join(work, "data", cls), { recursive: true });
    await Promise.all(files.map((f) => copyFile(join(fer2013("train"), cls, f), join(work, "data", cls, f))));
  }
  data = (await loadFolderDataset(join(work, "data"), { cache: false })).dataset;
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("atomic checkpoints", () => {
  const first = { "state.json": '{"epoch":1}', "weights.bin": new Uint8Array([1, 2, 3, 4]) };
  const second = { "state.json": '{"epoch":2}', "weights.bin": new Uint8Array([5, 6, 7, 8, 9]) };
  const read = async (dir: string) => {
    const c = await loadCheckpoint(dir);
    return c === undefined ? undefined : c.files.get("state.json")!.toString();
  };

  it("a save stopped after any of its files leaves the previous checkpoint or the new one, never a mix", async () => {
    const steps = ["state.json", "weights.bin", "manifest.json", "<moved aside>", "<renamed>"];
    for (const [i, crashAfter] of steps.entries()) {
      const dir = join(work, `atomic-${i}`, "checkpoint");
      await saveCheckpoint(dir, first);
      await expect(
        saveCheckpoint(dir, second, {
          afterFile: (name) => {
            if (name === crashAfter) throw new Error("killed");
          },
        }),
      ).rejects.toThrow("killed");
      expect(await read(dir)).toBe(i < 4 ? '{"epoch":1}' : '{"epoch":2}');
      await saveCheckpoint(dir, second); // the next save cleans up whatever was left
      expect(await read(dir)).toBe('{"epoch":2}');
      expect(existsSync(`${dir}.new`) || existsSync(`${dir}.old`)).toBe(false);
    }
    expect(await loadCheckpoint(join(work, "none"))).toBeUndefined();
  });

  it("refuses a corrupt, truncated, incomplete, mixed or unverifiable checkpoint, naming the file", async () => {
    const fresh = async (name: string) => {
      const dir = join(work, name, "checkpoint");
      await saveCheckpoint(dir, first);
      return dir;
    };
    let dir = await fresh("flip");
    await writeFile(join(dir, "weights.bin"), new Uint8Array([1, 2, 3, 5]));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/weights\.bin: its content does not match the manifest's hash/);
    dir = await fresh("truncated");
    await writeFile(join(dir, "weights.bin"), new Uint8Array([1, 2]));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/weights\.bin: 2 bytes where the manifest says 4/);
    dir = await fresh("missing");
    await rm(join(dir, "state.json"));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/state\.json: missing from the checkpoint/);
    dir = await fresh("mixed");
    await writeFile(join(dir, "state.json"), '{"epoch":2}');
    await expect(loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    dir = await fresh("extra");
    await writeFile(join(dir, "optimizer.bin"), "x");
    await expect(loadCheckpoint(dir)).rejects.toThrow(/optimizer\.bin: not listed in the checkpoint's manifest/);
    dir = await fresh("old-format");
    await rm(join(dir, "manifest.json"));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/manifest\.json: missing/);
    dir = await fresh("bad-manifest");
    await writeFile(join(dir, "manifest.json"), "{");
    await expect(loadCheckpoint(dir)).rejects.toThrow(/manifest\.json: unreadable manifest/);
  });
});

/** The recipe's options on a tiny run: AdamW, cosine with warm-up, augmentation with mixup, label smoothing, FER+ votes, EMA. */
const recipe = (outDir: string): TrainOptions => ({
  architecture: "A",
  outDir,
  epochs: 2,
  batchSize: 8,
  mirror: false,
  progress: false,
  seed: 9,
  pixelScale: "raw",
  crossEntropy: "logits",
  optimizer: { name: "adamw", weightDecay: 0.05 },
  lrSchedule: { kind: "cosine", warmupEpochs: 0.5, minLearningRate: 1e-5 },
  learningRate: 2e-3,
  augment: parseAugmentSpec("detector,mixup=0.4"),
  labelSmoothing: 0.1,
  ferplusVotes: resolve(sharedDir(), "datasets/fer2013/ferplus/train.csv"),
  ferplusWeight: 0.5,
  selectBy: "mean",
  ema: 0.9,
});

/** A file's SHA-256 (comparing megabytes with toEqual takes vitest minutes). */
const bytes = async (dir: string, file: string) => createHash("sha256").update(await readFile(join(dir, file))).digest("hex");

describe("resuming the full recipe", () => {
  it("an interrupted run and a save killed half-way both resume to the uninterrupted run's weights, bit for bit", async () => {
    const straight = await trainCnn(data, recipe(join(work, "straight")));
    expect(straight.complete).toBe(true);
    const card = straight.card!;
    expect(card.training.optimizer).toBe("adamw");
    expect(card.training.weights).toBe("ema");
    expect(card.training.learningRateSchedule).toMatch(/^cosine/);
    expect(card.data.augment).toMatch(/mixup=0.4/);
    expect(card.data.targets).toMatchObject({ ferplusWeight: 0.5, labelSmoothing: 0.1, ferplusFallback: 1 }); // Training_10131352 (angry) has no FER+ row
    expect(card.metrics.validationFerPlusAccuracy).toBeGreaterThanOrEqual(0);
    expect(card.metrics.validationFerPlusImages! + card.metrics.validationFerPlusExcluded!).toBe(card.data.validationImages);
    expect(straight.log.every((e) => e.validationFerPlusAccuracy !== undefined && e.validationAccuracyRaw !== undefined)).toBe(true);

    // 1. Stopped after 3 batches of epoch 1 (a mid-epoch checkpoint), then resumed.
    const stop = new AbortController();
    let batches = 0;
    const stopped = await trainCnn(data, { ...recipe(join(work, "stopped")), signal: stop.signal, onBatch: () => ++batches === 3 && stop.abort() });
    expect(stopped.complete).toBe(false);
    const resumed = await trainCnn(data, { ...recipe(join(work, "stopped")), resume: true });
    expect(resumed.complete).toBe(true);

    // 2. Killed while writing the epoch-2 checkpoint, after its weights but before its state: resume from epoch 1's.
    let epochEnds = 0;
    await expect(
      trainCnn(data, {
        ...recipe(join(work, "killed")),
        checkpointHooks: {
          afterFile: (name) => {
            if (name === "state.json" && ++epochEnds === 2) throw new Error("killed during the save");
          },
        },
      }),
    ).rejects.toThrow("killed during the save");
    const state = JSON.parse(await readFile(join(work, "killed", "checkpoint", "state.json"), "utf8")) as { epochsDone: number };
    expect(state.epochsDone).toBe(1);
    const afterKill = await trainCnn(data, { ...recipe(join(work, "killed")), resume: true });
    expect(afterKill.complete).toBe(true);

    for (const run of ["stopped", "killed"]) {
      expect(await bytes(join(work, run, "checkpoint"), "weights.bin")).toEqual(await bytes(join(work, "straight", "checkpoint"), "weights.bin"));
      expect(await bytes(join(work, run, "checkpoint"), "ema.bin")).toEqual(await bytes(join(work, "straight", "checkpoint"), "ema.bin"));
      expect(await bytes(join(work, run, "checkpoint"), "optimizer.bin")).toEqual(await bytes(join(work, "straight", "checkpoint"), "optimizer.bin"));
      expect(await bytes(join(work, run, "best"), "weights.bin")).toEqual(await bytes(join(work, "straight", "best"), "weights.bin"));
    }
    expect(resumed.log.map((e) => e.loss)).toEqual(straight.log.map((e) => e.loss));
    expect(resumed.log.map((e) => e.validationAccuracy)).toEqual(straight.log.map((e) => e.validationAccuracy));

    // A checkpoint mixed from two saves (epoch 2's weights with epoch 1's state) is refused, naming the file.
    await cp(join(work, "straight", "checkpoint"), join(work, "mixed", "checkpoint"), { recursive: true });
    await copyFile(join(work, "killed", "checkpoint", "weights.bin"), join(work, "mixed", "checkpoint", "weights.bin"));
    await writeFile(join(work, "mixed", "checkpoint", "state.json"), (await readFile(join(work, "straight", "checkpoint", "state.json"), "utf8")).replace('"epochsDone":2', '"epochsDone":1'));
    await expect(trainCnn(data, { ...recipe(join(work, "mixed")), resume: true })).rejects.toThrow(/mixed[/\\]checkpoint[/\\]state\.json: its content does not match/);
    // Another recipe is another run.
    await expect(trainCnn(data, { ...recipe(join(work, "straight")), epochs: 3, resume: true })).rejects.toThrow(/other options/);
  }, 300_000);

  it("both engines train on the soft targets alike, and the targets change what is learnt", async () => {
    const one = { ...recipe(join(work, "engine-onnx")), epochs: 1 };
    const onnx = await trainCnn(data, { ...one, engine: "onnxruntime" });
    const tfjs = await trainCnn(data, { ...one, outDir: join(work, "engine-tfjs"), engine: "tfjs" });
    expect(tfjs.log[0]!.loss).toBeCloseTo(onnx.log[0]!.loss, 3);
    const hard = await trainCnn(data, { ...one, outDir: join(work, "hard"), labelSmoothing: 0, ferplusWeight: 0, augment: parseAugmentSpec("detector") });
    expect(hard.card?.data.targets).toBeUndefined();
    expect(Math.abs(hard.log[0]!.loss - onnx.log[0]!.loss)).toBeGreaterThan(1e-3);
    // tfjs's data-parallel workers take hard labels only: refused rather than silently dropping the targets.
    await expect(trainCnn(data, { ...one, outDir: join(work, "parallel"), engine: "tfjs", workers: 2 })).rejects.toThrow(/not supported by the data-parallel tfjs step/);
  }, 300_000);
});
