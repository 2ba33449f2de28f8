import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EMOTIONS } from "@fer/preprocess";
import { fer2013, PHOTOS } from "./helpers.js";
import { fer } from "./run-fer.js";

let work: string;

/** A labelled folder `work/<name>` with the first five FER2013 test images of each of `classes`. */
async function testSlice(name: string, classes: readonly string[]): Promise<string> {
  const root = path.join(work, name);
  for (const cls of classes) {
    await mkdir(path.join(root, cls), { recursive: true });
    for (const f of (await readdir(path.join(fer2013("test"), cls))).sort().slice(0, 5)) await copyFile(path.join(fer2013("test"), cls, f), path.join(root, cls, f));
  }
  return root;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fer-cli-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("fer", () => {
  it("lists its commands", async () => {
    const r = await fer(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["analyze", "eval", "features", "fit-head", "grid-search", "train", "cnn-eval", "cnn-experiments", "detect-eval"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    }
    expect((await fer(["nope"])).code).toBe(2);
    // Another package's command is reached through the same dispatcher.
    const train = await fer(["train", "--help"]);
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/--data/);
    expect(train.stdout).toMatch(/--pixel-scale/);
    // Bad training options are refused before any data is read.
    const badScale = await fer(["train", "--data", work, "--out", work, "--pixel-scale", "bytes"]);
    expect(badScale.code).toBe(2);
    expect(badScale.stderr).toMatch(/--pixel-scale must be unit, raw or standard/);
    const badLoss = await fer(["cnn-experiments", "--data", work, "--out", work, "--cross-entropy", "softmax"]);
    expect(badLoss.code).toBe(2);
    expect(badLoss.stderr).toMatch(/--cross-entropy must be probabilities or logits/);
  });

  it("answers --help and refuses an unknown flag the same way in each of its own commands", async () => {
    for (const command of ["analyze", "eval", "features", "calibrate-margin"]) {
      const help = await fer([command, "--help"]);
      expect(help.code, command).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: fer ${command}`));
      const bad = await fer([command, "--no-such-flag"]);
      expect(bad.code, command).toBe(2);
      expect(bad.stderr).toMatch(new RegExp(`^fer ${command}: Unknown option '--no-such-flag'[\\s\\S]*usage: fer ${command}`));
    }
  });

  it("analyze --json prints one JSON array, writes annotated images, reports unreadable files and exits 1", async () => {
    const bogus = path.join(work, "bogus.jpg");
    await writeFile(bogus, "not a jpeg");
    const out = path.join(work, "out");
    const r = await fer(["analyze", PHOTOS.apollo, bogus, PHOTOS.obama, "--cnn", inject("tinyCnnDir"), "--json", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bogus}:`);
    const entries = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(entries.map((e) => e.file)).toEqual([PHOTOS.apollo, bogus, PHOTOS.obama]);
    expect(entries[1]).toEqual({ file: bogus, error: expect.any(String) });
    const first = entries[0] as { width: number; height: number; faces: Array<{ box: Record<string, number>; emotion: string; scores: Record<string, number> }> };
    expect([first.width, first.height]).toEqual([600, 471]);
    expect(first.faces).toHaveLength(3);
    for (const f of first.faces) {
      expect(Object.keys(f.box)).toEqual(["x", "y", "width", "height"]);
      expect(EMOTIONS).toContain(f.emotion);
      expect(Object.keys(f.scores)).toEqual([...EMOTIONS]);
    }
    expect((await readdir(out)).sort()).toEqual(["apollo11_crew.png", "obama_family_2011.png"]);
    expect(await sharp(path.join(out, "obama_family_2011.png")).metadata()).toMatchObject({ width: 640, height: 427 });
  });

  it("analyze --preset accurate runs the shipped route-2 models", { timeout: 120_000 }, async () => {
    const r = await fer(["analyze", PHOTOS.apollo, "--preset", "accurate", "--json"]);
    expect(r.code).toBe(0);
    const [entry] = JSON.parse(r.stdout) as Array<{ faces: Array<{ emotion: string; scores: Record<string, number> }> }>;
    expect(entry!.faces).toHaveLength(3);
    for (const f of entry!.faces) expect(Object.values(f.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  it("features writes a features file naming its CNN, and --split refuses a folder the CNN was not trained on", async () => {
    const root = await testSlice("features-slice", ["happy", "sad", "surprise"]);
    const out = path.join(work, "feat");
    const r = await fer(["features", "--data", root, "--cnn", inject("tinyCnnDir"), "--layer", "dense2", "--out", out]);
    expect(r.code).toBe(0);
    const header = JSON.parse(await readFile(`${out}.json`, "utf8")) as { count: number; dim: number; featuriser: Record<string, string> };
    expect([header.count, header.dim]).toEqual([15, 64]);
    expect(header.featuriser).toMatchObject({ name: "cnn A", layer: "dense2", model: expect.any(String) });
    const wrong = await fer(["features", "--data", root, "--cnn", inject("tinyCnnDir"), "--split", "validation", "--out", out]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/not the folder the CNN was trained on/);
    expect((await fer(["features", "--data", root, "--split", "half", "--out", out])).code).toBe(2);
  });

  it("eval --json prints the metrics of a labelled folder", async () => {
    const root = await testSlice("slice", ["angry", "fear", "neutral"]);
    const report = path.join(work, "report");
    const r = await fer(["eval", root, "--cnn", inject("tinyCnnDir"), "--json", "--report", report]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j.images).toBe(15);
    expect((await readdir(report)).sort()).toEqual(["class-counts.png", "confusion-matrix.png", "reliability.png", "report.md"]);
    expect(Object.keys(j)).toEqual(expect.arrayContaining(["images", "accuracy", "macroF1", "perClass", "confusion", "classes", "msPerFace", "noFace", "calibration"]));
    expect(Object.keys(j.perClass as object)).toEqual([...EMOTIONS]);
    expect((j.models as { mirrorAverage: boolean }).mirrorAverage).toBe(false);
  });

  it("eval --votes scores against FER+ crowd votes (--json); a missing votes file is a one-line error naming it", async () => {
    const root = await testSlice("slice-votes", ["happy", "sad"]);
    const votes = path.join(fer2013("test"), "..", "ferplus", "test.csv");
    const r = await fer(["eval", root, "--cnn", inject("tinyCnnDir"), "--votes", votes, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { accuracy: number; top2Accuracy: number; ferplus: { file: string; matched: number; unmatched: number; majorityScored: number; crossEntropy: number } };
    expect(j.top2Accuracy).toBeGreaterThanOrEqual(j.accuracy);
    expect(j.ferplus).toMatchObject({ file: votes, matched: 10, unmatched: 0 });
    expect(j.ferplus.majorityScored).toBeGreaterThan(0);
    expect(j.ferplus.crossEntropy).toBeGreaterThan(0);
    const missing = path.join(work, "no-such-votes.csv");
    const bad = await fer(["eval", root, "--cnn", inject("tinyCnnDir"), "--votes", missing]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^fer eval: .*no-such-votes\.csv: cannot read the FER\+ votes/m);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses bad options with exit code 2", async () => {
    expect((await fer(["analyze", PHOTOS.apollo, "--preset", "slow"])).code).toBe(2);
    const mirror = await fer(["analyze", PHOTOS.apollo, "--mirror-average", "yes"]);
    expect(mirror.code).toBe(2);
    expect(mirror.stderr).toMatch(/--mirror-average must be on or off/);
  });
});
