import { readFile, writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cnnFeaturiserId, loadCnn, type FerCnn } from "@fer/cnn";
import { fingerprintText, headFingerprint, KnnHead, StackingHead } from "@fer/heads";
import { saveHead } from "@fer/heads/node";
import { EMOTIONS, mirrorFaces, type Image } from "@fer/preprocess";
import { liveOnnxSessions } from "@fer/runtime";
import { decodeImage } from "@fer/preprocess/node";
import { accuratePresetFile, createPipeline, PipelineError, type Pipeline } from "../src/index.js";
import { loadHeadFile } from "../src/head.js";
import { ferSlice, PHOTOS } from "./helpers.js";

let cnnDir: string;
let pipeline: Pipeline;
let apollo: Image;
let work: string;

beforeAll(async () => {
  cnnDir = inject("tinyCnnDir");
  pipeline = await createPipeline({ cnn: cnnDir });
  apollo = await decodeImage(PHOTOS.apollo);
  work = await mkdtemp(path.join(tmpdir(), "fer-pipeline-"));
});

afterAll(async () => {
  pipeline?.dispose();
  await rm(work, { recursive: true, force: true });
});

function expectValidFace(face: { box: { x: number; y: number; width: number; height: number }; emotion: string; confidence: number; scores: Record<string, number> }, img: Image) {
  expect(face.box.x).toBeGreaterThanOrEqual(0);
  expect(face.box.y).toBeGreaterThanOrEqual(0);
  expect(face.box.x + face.box.width).toBeLessThanOrEqual(img.width);
  expect(face.box.y + face.box.height).toBeLessThanOrEqual(img.height);
  expect(Object.keys(face.scores)).toEqual([...EMOTIONS]);
  const values = Object.values(face.scores);
  expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  expect(face.confidence).toBe(Math.max(...values));
  expect(face.scores[face.emotion]).toBe(face.confidence);
}

describe("analyze", () => {
  it("finds the three astronauts' faces in the Apollo 11 crew photo and classifies each", async () => {
    const r = await pipeline.analyze(PHOTOS.apollo);
    expect(r.file).toBe(PHOTOS.apollo);
    expect([r.width, r.height]).toEqual([600, 471]);
    expect(r.faces).toHaveLength(3);
    for (const f of r.faces) expectValidFace(f, apollo);
    // The three faces are side by side: their centres spread across the photo.
    const centres = r.faces.map((f) => f.box.x + f.box.width / 2).sort((a, b) => a - b);
    expect(centres[2]! - centres[0]!).toBeGreaterThan(200);
    expect(r.models).toMatchObject({ detector: "yunet", head: expect.stringContaining("cnn-output") });
    // onnxruntime-node is installed in this repository, so the detector and the CNN run on it.
    expect(r.models.engines).toEqual({ detector: "onnxruntime", featuriser: "onnxruntime" });
  });

  it("gives the same result for a path, a Buffer and a decoded Image", async () => {
    const fromPath = await pipeline.analyze(PHOTOS.obama);
    const fromBuffer = await pipeline.analyze(await readFile(PHOTOS.obama));
    const fromImage = await pipeline.analyze(await decodeImage(PHOTOS.obama));
    expect(fromPath.faces.length).toBeGreaterThanOrEqual(3);
    expect(fromBuffer.file).toBe("<buffer>");
    expect(fromBuffer.faces).toEqual(fromPath.faces);
    expect(fromImage.faces).toEqual(fromPath.faces);
  });

  it("returns an empty list for an image with no face", async () => {
    const blank: Image = { width: 320, height: 240, channels: 3, data: new Uint8Array(320 * 240 * 3).fill(90) };
    expect((await pipeline.analyze(blank)).faces).toEqual([]);
  });

  it("refuses an input that is not an image", async () => {
    await expect(pipeline.analyze(42 as never)).rejects.toThrow(PipelineError);
  });

  it("leaves no tensor behind over many calls", async () => {
    await pipeline.analyzeImage(apollo);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 12; i++) await pipeline.analyzeImage(apollo);
    await pipeline.classifyFaces([apollo]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("accurate preset (route 2: face-api ResNet-34 features + SVM)", () => {
  let accurate: Pipeline;
  beforeAll(async () => {
    accurate = await createPipeline({ preset: "accurate" });
  }, 120_000);
  afterAll(() => accurate?.dispose());

  it("loads the shipped backbone and head, fitted on the features it computes", async () => {
    expect(accurate.models).toMatchObject({ preset: "accurate", head: "svm (accurate preset)", mirrorAverage: false });
    expect(accurate.featuriser.name).toBe("embedder faceapi-resnet34 block128-grid2");
    const shipped = await loadHeadFile(path.join(path.dirname(accuratePresetFile()), "accurate-head.json.gz"));
    expect(shipped.featuriser).toEqual({ name: "faceapi-resnet34", layer: "block128-grid2" });
    expect(shipped.head.dim).toBe(accurate.featuriser.dim);
    // Both presets ship calibrated heads: a probability model on the SVM's decision values, a temperature for fast.
    expect(shipped.head.calibration?.method).toBe("logistic");
    shipped.head.dispose();
    const fast = await loadHeadFile(path.join(path.dirname(accuratePresetFile()), "fast-head.json.gz"));
    expect(fast.head.calibration?.method).toBe("temperature");
  });

  it("classifies FER2013 test faces far above chance, and the faces of a photo", { timeout: 300_000 }, async () => {
    const set = await ferSlice("test", 5, 40);
    const answers = await accurate.classifyGrayBlock(set.pixels, set.count);
    const right = answers.filter((a, i) => a.emotion === set.classes[set.labels[i]!]).length;
    // 35 faces, 5 per class: chance gets 5 right; at the preset's 64% on PublicTest about 22 are expected.
    expect(right).toBeGreaterThanOrEqual(15);
    // Calibrated scores: each face's sum to 1 and are not one-hot (the SVM alone has no probability model).
    for (const a of answers) expect(Object.values(a.scores).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
    const top = answers.map((a) => Math.max(...Object.values(a.scores)));
    expect(top.filter((p) => p < 0.99).length).toBeGreaterThan(answers.length / 2);
    expect(answers.every((a) => Object.values(a.scores).filter((p) => p > 0.001).length >= 2)).toBe(true);
    const r = await accurate.analyze(PHOTOS.apollo);
    expect(r.faces).toHaveLength(3);
    for (const f of r.faces) expectValidFace(f, apollo);
  });

  it("stacks the fast and accurate presets' probabilities; the stack refuses other members", { timeout: 300_000 }, async () => {
    // The generic mechanism on the current members (a stack to ship would be fitted on held-out validation faces).
    const fast = await createPipeline({ preset: "fast" });
    try {
      const set = await ferSlice("train", 4, 100);
      const member = (name: string, p: Pipeline) => ({ name, fingerprint: fingerprintText(`${p.models.featuriser}|${headFingerprint(p.head)}`) });
      const probabilities = async (p: Pipeline) => (await p.classifyGrayBlock(set.pixels, set.count)).map((a) => EMOTIONS.map((c) => a.scores[c]!));
      const fastIn = { member: member("fast", fast), probabilities: await probabilities(fast) };
      const accurateIn = { member: member("accurate", accurate), probabilities: await probabilities(accurate) };
      const stack = await StackingHead.fit([fastIn, accurateIn], set.labels);
      for (const row of stack.predictProba([fastIn, accurateIn])) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      const refused = expect.objectContaining({ kind: "member-mismatch" });
      expect(() => stack.predictProba([accurateIn, fastIn])).toThrow(refused);
      expect(() => stack.predictProba([fastIn])).toThrow(refused);
      // Another CNN under the same kind of head (the tiny test CNN's pipeline) is another member.
      expect(() => stack.predictProba([{ ...fastIn, member: member("fast", pipeline) }, accurateIn])).toThrow(refused);
    } finally {
      fast.dispose();
    }
  });
});

describe("batches", () => {
  it("reports unreadable files and goes on with the rest, in input order", async () => {
    const bogus = path.join(work, "not-a-photo.jpg");
    await writeFile(bogus, "this is text, not a JPEG");
    const missing = path.join(work, "missing.jpg");
    const items = await pipeline.analyzeBatch([PHOTOS.apollo, bogus, missing, PHOTOS.obama], { concurrency: 2 });
    expect(items.map((i) => i.file)).toEqual([PHOTOS.apollo, bogus, missing, PHOTOS.obama]);
    expect(items[0]!.result?.faces).toHaveLength(3);
    expect(items[1]!.error?.message).toMatch(/not an image|truncated/);
    expect(items[2]!.error?.message).toMatch(/cannot read|ENOENT/);
    expect(items[3]!.result?.faces.length).toBeGreaterThanOrEqual(3);
  });

  it("expands a folder into its images", async () => {
    const items = await pipeline.analyzeBatch([path.dirname(PHOTOS.apollo)]);
    expect(items.map((i) => path.basename(i.file))).toEqual(["apollo11_crew.jpg", "obama_family_2011.jpg"]);
  });
});

describe("head swap", () => {
  let cnn: FerCnn;
  beforeAll(async () => {
    cnn = await loadCnn(cnnDir);
  });
  afterAll(() => cnn?.dispose());

  it("plugs a kNN head fitted on dense1 features of a labelled slice, from an object or a file", async () => {
    const data = await ferSlice("train", 6, 20);
    const X = await cnn.features(data.pixels, data.count, "dense1");
    const head = await new KnnHead({ k: 3 }).fit({ rows: data.count, cols: 64, data: X }, data.labels, { classes: data.classes });
    const p = await createPipeline({ cnn, head, featureLayer: "dense1" });
    expect(p.models.head).toBe("knn");
    expect(p.featuriser.name).toContain("dense1");
    const r = await p.analyze(PHOTOS.apollo);
    expect(r.faces).toHaveLength(3);
    for (const f of r.faces) expectValidFace(f, apollo);
    p.dispose();

    const file = path.join(work, "knn.json");
    await writeFile(file, JSON.stringify({ ...head.toJSON(), featureLayer: "dense1" }));
    const q = await createPipeline({ cnn, head: file });
    expect(q.models.head).toBe("knn (knn.json)");
    expect(q.featuriser.name).toContain("dense1");
    expect((await q.analyze(PHOTOS.apollo)).faces.map((f) => f.scores)).toEqual(r.faces.map((f) => f.scores));
    q.dispose();
  });

  it("checks that a head file was fitted on this CNN's features, and falls back from a shipped fast head of another CNN", async () => {
    const data = await ferSlice("train", 6, 20);
    const X = await cnn.features(data.pixels, data.count, "dense2");
    const head = await new KnnHead({ k: 3 }).fit({ rows: data.count, cols: 64, data: X }, data.labels, { classes: data.classes });
    const ours = path.join(work, "ours.json");
    const theirs = path.join(work, "theirs.json");
    const featuriser = cnnFeaturiserId(cnn.card, "dense2");
    await writeFile(ours, JSON.stringify({ ...head.toJSON(), featuriser }));
    await writeFile(theirs, JSON.stringify({ ...head.toJSON(), featuriser: { ...featuriser, model: "another training run" } }));
    const p = await createPipeline({ cnn, head: ours });
    expect(p.featuriser.name).toContain("dense2");
    p.dispose();
    const err = await createPipeline({ cnn, head: theirs }).catch((e: unknown) => e);
    expect((err as PipelineError).kind).toBe("head-mismatch");
    expect((err as Error).message).toMatch(/another training run/);

    const saved = { cnn: process.env.FER_CNN_DIR, head: process.env.FER_FAST_HEAD };
    process.env.FER_CNN_DIR = cnnDir;
    try {
      process.env.FER_FAST_HEAD = ours;
      const fast = await createPipeline();
      expect(fast.models.head).toBe("knn (fast preset)");
      fast.dispose();
      process.env.FER_FAST_HEAD = theirs;
      const fallback = await createPipeline();
      expect(fallback.models.head).toMatch(/^cnn-output .*fitted on another CNN/);
      fallback.dispose();
    } finally {
      for (const [k, v] of [["FER_CNN_DIR", saved.cnn], ["FER_FAST_HEAD", saved.head]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    head.dispose();
  });

  it("averages each face's probabilities with its mirror image's when the head file says so, or when asked", async () => {
    const data = await ferSlice("train", 6, 20);
    const X = await cnn.features(data.pixels, data.count, "dense1");
    const head = await new KnnHead({ k: 5, weights: "distance" }).fit({ rows: data.count, cols: 64, data: X }, data.labels, { classes: data.classes });
    const faces = await ferSlice("test", 2);
    const mirrored = mirrorFaces(faces.pixels, faces.count, 48);
    const plain = await createPipeline({ cnn, head, featureLayer: "dense1" });
    expect(plain.models.mirrorAverage).toBe(false);
    const a = await plain.classifyGrayBlock(faces.pixels, faces.count);
    const b = await plain.classifyGrayBlock(mirrored, faces.count);
    plain.dispose();

    const file = path.join(work, "knn-mirror.json");
    await saveHead(head, file, { featuriser: cnnFeaturiserId(cnn.card, "dense1"), mirrorAverage: true });
    const averaged = await createPipeline({ cnn, head: file });
    expect(averaged.models.mirrorAverage).toBe(true);
    const both = await averaged.classifyGrayBlock(faces.pixels, faces.count);
    both.forEach((s, i) => {
      for (const c of EMOTIONS) expect(s.scores[c]).toBeCloseTo((a[i]!.scores[c]! + b[i]!.scores[c]!) / 2, 6);
      expect(s.confidence).toBe(Math.max(...Object.values(s.scores)));
    });
    // Crops of any size take the same path: a face crop and its mirror image score the same once averaged.
    const crop: Image = { width: 48, height: 48, channels: 1, data: faces.pixels.subarray(0, 48 * 48) };
    const [fromCrop] = await averaged.classifyFaces([crop]);
    const [fromMirror] = await averaged.classifyFaces([{ ...crop, data: mirrored.subarray(0, 48 * 48) }]);
    for (const c of EMOTIONS) expect(fromCrop!.scores[c]).toBeCloseTo(fromMirror!.scores[c]!, 5);
    averaged.dispose();

    const off = await createPipeline({ cnn, head: file, mirrorAverage: false });
    expect(off.models.mirrorAverage).toBe(false);
    expect((await off.classifyGrayBlock(faces.pixels, faces.count)).map((s) => s.scores)).toEqual(a.map((s) => s.scores));
    off.dispose();
    await expect(createPipeline({ cnn, head, mirrorAverage: "yes" as never })).rejects.toThrow(/mirrorAverage must be true or false/);
    head.dispose();
  });

  it("says clearly when the head does not fit the featuriser", async () => {
    const wrongDim = await new KnnHead({ k: 1 }).fit([[0, 1, 2], [1, 2, 3]], [0, 1]);
    await expect(createPipeline({ cnn, head: wrongDim })).rejects.toThrow(/expects 3-dimensional features but cnn A .* gives 64/);
    const rows = Array.from({ length: 4 }, (_, i) => Array.from({ length: 64 }, (_, j) => i + j));
    const otherClasses = await new KnnHead({ k: 1 }).fit(rows, [0, 1, 0, 1], { classes: ["happy", "bored"] });
    const err = await createPipeline({ cnn, head: otherClasses }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).kind).toBe("head-mismatch");
    expect((err as Error).message).toMatch(/bored/);
    await expect(createPipeline({ cnn, head: new KnnHead() })).rejects.toThrow(/not fitted/);
  });
});

describe("presets", () => {
  it("uses the CNN named by FER_CNN_DIR as the fast preset's default, with the CNN's own head while no fast head is shipped", async () => {
    const saved = process.env.FER_CNN_DIR;
    process.env.FER_CNN_DIR = cnnDir;
    try {
      const sessions = liveOnnxSessions();
      const p = await createPipeline();
      expect(p.models.preset).toBe("fast");
      expect(p.models.detector).toBe("yunet");
      expect(p.featuriser.kind).toBe("cnn");
      expect((await p.analyze(PHOTOS.apollo)).faces).toHaveLength(3);
      expect(liveOnnxSessions()).toBeGreaterThan(sessions);
      p.dispose();
      // The detector and CNN it loaded are freed (their onnxruntime sessions released), and it refuses work.
      expect(liveOnnxSessions()).toBe(sessions);
      await expect(p.analyze(PHOTOS.apollo)).rejects.toThrow(/disposed/);
    } finally {
      if (saved === undefined) delete process.env.FER_CNN_DIR;
      else process.env.FER_CNN_DIR = saved;
    }
  });

  it("ships a fast head fitted on the features of the CNN that ships beside it", async () => {
    const { defaultCnnDir } = await import("@fer/cnn");
    const shipped = await loadHeadFile(path.join(import.meta.dirname, "../models/fast-head.json.gz"));
    const cnn = await loadCnn(defaultCnnDir());
    try {
      expect(shipped.featuriser).toEqual(cnnFeaturiserId(cnn.card, shipped.featureLayer ?? "dense1"));
    } finally {
      cnn.dispose();
      shipped.head.dispose();
    }
  });


  it("refuses unknown presets and bad margins", async () => {
    await expect(createPipeline({ preset: "slow" as never })).rejects.toThrow(/unknown preset/);
    await expect(createPipeline({ cnn: cnnDir, margin: -1 })).rejects.toThrow(/margin/);
  });
});
