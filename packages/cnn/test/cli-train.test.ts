import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cnnEval, train } from "../src/cli.js";
import type { ModelCard } from "../src/model-card.js";
import { fer2013, sharedDir } from "./shared-data.js";

let work: string;
const VOTES = () => resolve(sharedDir(), "datasets/fer2013/ferplus/train.csv");

/** Runs a CLI command, capturing what it writes. */
async function run(command: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    return { code: await command(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "fer-cli-train-"));
  for (const cls of await readdir(fer2013("train"))) {
    const files = (await readdir(join(fer2013("train"), cls))).sort().slice(0, 5);
    await mkdir(join(work, "data", cls), { recursive: true });
    await Promise.all(files.map((f) => copyFile(join(fer2013("train"), cls, f), join(work, "data", cls, f))));
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("fer train: the recipe's flags", () => {
  it("lists every flag in --help and refuses bad values before reading data", async () => {
    const help = await run(train, ["--help"]);
    expect(help.code).toBe(0);
    for (const flag of ["--optimizer", "--weight-decay", "--momentum", "--lr-schedule", "--warmup-epochs", "--min-lr", "--ema", "--augment", "--label-smoothing", "--ferplus", "--ferplus-weight", "--teacher", "--teacher-weight", "--select-by"]) {
      expect(help.stdout).toContain(flag);
    }
    const base = ["--data", join(work, "nowhere"), "--out", join(work, "out")];
    const cases: Array<[string[], RegExp]> = [
      [["--optimizer", "rmsprop"], /--optimizer must be one of adam, adamw, sgd, nesterov/],
      [["--lr-schedule", "step"], /--lr-schedule must be constant, cosine or one-cycle/],
      [["--augment", "sharpen"], /--augment: unknown augmentation "sharpen"/],
      [["--ema", "x"], /--ema must be a number/],
      [["--select-by", "max"], /--select-by must be fer2013, ferplus or mean/],
    ];
    for (const [args, message] of cases) {
      const r = await run(train, [...base, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it("trains with the flags, records them in the card, and a model's probabilities become a teacher file", async () => {
    const out = join(work, "run");
    const args = ["--data", join(work, "data"), "--out", out, "--arch", "A", "--epochs", "2", "--batch", "8", "--no-mirror", "--cross-entropy", "logits"];
    const recipe = ["--optimizer", "nesterov", "--lr", "0.01", "--lr-schedule", "one-cycle", "--warmup-epochs", "0.5", "--ema", "0.9"];
    const targets = ["--augment", "standard,cutmix=1", "--label-smoothing", "0.1", "--ferplus", VOTES(), "--ferplus-weight", "0.3", "--select-by", "mean"];
    const r = await run(train, [...args, ...recipe, ...targets]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^done: best epoch \d, validation accuracy [\d.]+% \(FER\+ majority [\d.]+% of \d+\) with the averaged weights/);
    const card = JSON.parse(await readFile(join(out, "best", "card.json"), "utf8")) as ModelCard;
    expect(card.training).toMatchObject({ loss: "categoricalCrossentropy", crossEntropy: "logits", optimizer: "nesterov", optimizerDetail: "sgd, nesterov momentum 0.9", ema: 0.9, weights: "ema", selectedBy: "mean" });
    expect(card.training.learningRateSchedule).toMatch(/^one-cycle/);
    expect(card.data.augment).toBe("flip,crop=4,rotate=10,scale=0.1,brightness=0.15,contrast=0.25,erase=0.25,cutmix=1");
    expect(card.data.targets).toMatchObject({ ferplusWeight: 0.3, labelSmoothing: 0.1, teacherWeight: 0 });

    const teacher = join(work, "teacher.csv");
    const e = await run(cnnEval, ["--model", join(out, "best"), "--data", join(work, "data"), "--save-probabilities", teacher]);
    expect(e.code).toBe(0);
    const lines = (await readFile(teacher, "utf8")).trim().split("\n");
    expect(lines[0]).toBe("file,angry,disgust,fear,happy,neutral,sad,surprise");
    expect(lines).toHaveLength(36);
    expect(lines[1]!.split(",").slice(1).map(Number).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const again = await run(cnnEval, ["--model", join(out, "best"), "--data", join(work, "data"), "--save-probabilities", teacher]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; it is not overwritten/);
    // The student: the modern VGG-style net (logits output) learning the teacher's probabilities.
    const student = await run(train, ["--data", join(work, "data"), "--out", join(work, "student"), "--arch", "vgg-bn", "--epochs", "1", "--batch", "8", "--no-mirror", "--teacher", teacher, "--teacher-weight", "0.7"]);
    expect(student.stderr).not.toMatch(/error/);
    expect(student.code).toBe(0);
    const studentCard = JSON.parse(await readFile(join(work, "student", "best", "card.json"), "utf8")) as ModelCard;
    expect(studentCard.data.targets).toMatchObject({ teacherWeight: 0.7, teacherFallback: 0, teacherFile: teacher });
    expect(studentCard.training).toMatchObject({ loss: "categoricalCrossentropy", crossEntropy: "logits" });
    // F's squared hinge takes no soft targets: refused with the reason.
    const hinge = await run(train, ["--data", join(work, "data"), "--out", join(work, "f"), "--arch", "F", "--label-smoothing", "0.1"]);
    expect(hinge.code).toBe(2);
    expect(hinge.stderr).toMatch(/soft targets, which need the cross-entropy from the logits: F uses squared hinge/);
  });
});
