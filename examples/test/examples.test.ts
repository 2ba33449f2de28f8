import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = path.resolve(import.meta.dirname, "..");
const shared = process.env.FER_SHARED_DIR ?? path.resolve(here, "../../shared");
const train = path.join(shared, "datasets/fer2013/train");
let work: string;

/** Runs one example as `pnpm --filter fer-examples <name>` would (node <file>), with a 4-minute limit. */
async function example(file: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [path.join(here, file), ...args], { env: { ...process.env, ...env }, timeout: 240_000 });
  return stdout;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fer-examples-"));
  // A small labelled folder: the first 12 training images of each class.
  for (const cls of await readdir(train)) {
    await mkdir(path.join(work, "data", cls), { recursive: true });
    for (const f of (await readdir(path.join(train, cls))).sort().slice(0, 12)) await copyFile(path.join(train, cls, f), path.join(work, "data", cls, f));
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("examples", () => {
  it("train-small-cnn, then analyze-photo and swap-head with that model", async () => {
    const cnnOut = path.join(work, "cnn");
    const trained = await example("train-small-cnn.mjs", ["--data", path.join(work, "data"), "--out", cnnOut, "--epochs", "1", "--per-class", "10"]);
    expect(trained).toMatch(/trained A on 70 images/);
    const model = path.join(cnnOut, "best");
    expect((await stat(path.join(model, "card.json"))).isFile()).toBe(true);

    const annotated = path.join(work, "annotated.png");
    const analysed = await example("analyze-photo.mjs", [path.join(here, "../packages/pipeline/assets/photos/apollo11_crew.jpg"), annotated], { FER_CNN_DIR: model });
    expect(analysed).toMatch(/apollo11_crew\.jpg: 3 face\(s\)/);
    expect(await sharp(annotated).metadata()).toMatchObject({ format: "png", width: 600, height: 471 });

    const accurate = await example("analyze-photo.mjs", [path.join(here, "../packages/pipeline/assets/photos/apollo11_crew.jpg"), annotated, "--preset", "accurate"]);
    expect(accurate).toMatch(/apollo11_crew\.jpg: 3 face\(s\) \[embedder faceapi-resnet34 block128-grid2; head svm \(accurate preset\)\]/);

    const swapped = await example("swap-head.mjs", ["--data", path.join(work, "data"), "--per-class", "12", "--kind", "knn", "--cnn", model, "--head-out", path.join(work, "knn-head.json")]);
    expect(swapped).toMatch(/knn head fitted on 84 images/);
    expect(swapped).toMatch(/obama_family_2011\.jpg: (\w+ \d+%(, )?){3,} \[head knn \(knn-head\.json\)\]/);
    // The head file names the CNN it was fitted on: with another CNN (the shipped one) the pipeline refuses it.
    const saved = JSON.parse(await readFile(path.join(work, "knn-head.json"), "utf8"));
    expect(saved.featuriser).toMatchObject({ name: "cnn A", layer: "dense1" });
    const { createPipeline } = await import("@fer/pipeline");
    await expect(createPipeline({ head: path.join(work, "knn-head.json") })).rejects.toMatchObject({ kind: "head-mismatch" });

    // Run from another folder (as outside the repository): no default data path; out/ is relative to that folder.
    const elsewhere = await mkdtemp(path.join(tmpdir(), "fer-swap-"));
    await expect(run(process.execPath, [path.join(here, "swap-head.mjs")], { cwd: elsewhere })).rejects.toMatchObject({ stderr: expect.stringMatching(/pass --data DIR/) });
    const there = await run(process.execPath, [path.join(here, "swap-head.mjs"), "--data", path.join(work, "data"), "--per-class", "3", "--cnn", model], { cwd: elsewhere, timeout: 240_000 });
    expect(there.stdout).toMatch(/knn head fitted on 21 images/);
    expect((await stat(path.join(elsewhere, "out", "knn-head.json"))).isFile()).toBe(true);
    await rm(elsewhere, { recursive: true, force: true });
  });
});
