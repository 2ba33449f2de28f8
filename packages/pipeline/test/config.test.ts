import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cnnFeaturiserId, readModelCard, type ModelCard } from "@fer/cnn";
import { KnnHead } from "@fer/heads";
import { saveHead } from "@fer/heads/node";
import {
  accuratePresetFile,
  createPipeline,
  DEFAULT_ALIGN,
  DEFAULT_DETECTOR,
  DEFAULT_MARGINS,
  defaultFastHeadFile,
  findDefaultCnn,
  PipelineError,
  resolvePipelineConfig,
  type PipelineEmbedder,
} from "../src/index.js";
import { PHOTOS } from "./helpers.js";

// resolvePipelineConfig reads only files (head files, the model card, the accurate preset's description): every case
// here runs in milliseconds, except the last, which builds a pipeline from the configuration.
let cnnDir: string;
let card: ModelCard;
let work: string;
let head: KnnHead;
/** A kNN head file fitted on `layer` features of the tiny CNN (or of another model), optionally mirror-averaged. */
const headFile = async (name: string, layer: "dense1" | "dense2", extra: { model?: string; mirrorAverage?: boolean } = {}) => {
  const file = path.join(work, name);
  const featuriser = { ...cnnFeaturiserId(card, layer), ...(extra.model !== undefined ? { model: extra.model } : {}) };
  await saveHead(head, file, { featuriser, ...(extra.mirrorAverage !== undefined ? { mirrorAverage: extra.mirrorAverage } : {}) });
  return file;
};
const embedder: PipelineEmbedder = { name: "test-embedder", layer: "pool", dim: 64, embed: async () => new Float32Array(), dispose: () => {} };

beforeAll(async () => {
  cnnDir = inject("tinyCnnDir");
  card = await readModelCard(cnnDir);
  work = await mkdtemp(path.join(tmpdir(), "fer-pipeline-config-"));
  const rows = Array.from({ length: 14 }, (_, i) => Array.from({ length: 64 }, (_, j) => Math.sin(i * 7 + j)));
  head = await new KnnHead({ k: 1 }).fit(rows, Array.from({ length: 14 }, (_, i) => i % 7));
});
afterAll(async () => {
  head?.dispose();
  await rm(work, { recursive: true, force: true });
});

describe("resolvePipelineConfig: presets", () => {
  it("fast (no options): the shipped CNN, the shipped fast head and its layer and mirror averaging, yunet", async () => {
    const shipped = await findDefaultCnn();
    const fastHead = defaultFastHeadFile();
    expect(shipped.dir).toBeDefined();
    expect(fastHead).toBeDefined();
    const config = await resolvePipelineConfig();
    expect(config).toMatchObject({
      preset: "fast",
      featuriser: { kind: "cnn", source: "folder", dir: shipped.dir },
      head: { source: "file", file: fastHead, label: "random-forest (fast preset)" },
      layer: "dense1",
      mirrorAverage: true,
      margin: DEFAULT_MARGINS.yunet,
      align: DEFAULT_ALIGN,
      minFaceSize: 0,
      engine: "auto",
      detector: { source: "name", name: DEFAULT_DETECTOR, options: {} },
    });
    expect(config.threads).toBeUndefined();
  });

  it("accurate: the shipped embedder backbone and its SVM; no CNN layer", async () => {
    const config = await resolvePipelineConfig({ preset: "accurate" });
    expect(config).toMatchObject({
      preset: "accurate",
      featuriser: { kind: "embedder", source: "accurate-preset", backbone: "faceapi-resnet34", layer: "block128-grid2" },
      head: { source: "file", file: path.join(path.dirname(accuratePresetFile()), "accurate-head.json.gz"), label: "svm (accurate preset)" },
      mirrorAverage: false,
    });
    expect(config.layer).toBeUndefined();
  });

  it("engine tfjs: still yunet; engine and threads reach the detector's options", async () => {
    const config = await resolvePipelineConfig({ cnn: cnnDir, engine: "tfjs", threads: 2 });
    expect(config.detector).toEqual({ source: "name", name: DEFAULT_DETECTOR, options: { engine: "tfjs", threads: 2 } });
    expect(config).toMatchObject({ engine: "tfjs", threads: 2, preset: "custom" });
    // The caller's detectorOptions win over engine and threads; haar (no network) takes neither.
    const yunet = await resolvePipelineConfig({ cnn: cnnDir, detector: "yunet", engine: "onnxruntime", threads: 2, detectorOptions: { threads: 1 } });
    expect(yunet.detector).toEqual({ source: "name", name: "yunet", options: { engine: "onnxruntime", threads: 1 } });
    const haar = await resolvePipelineConfig({ cnn: cnnDir, detector: "haar", engine: "tfjs", threads: 2 });
    expect(haar.detector).toEqual({ source: "name", name: "haar", options: {} });
  });
});

describe("resolvePipelineConfig: options that change or conflict with the preset", () => {
  it("{ cnn } with no head: the CNN's own classifier on dense2 (the fast head belongs to the shipped CNN)", async () => {
    const config = await resolvePipelineConfig({ cnn: cnnDir });
    expect(config).toMatchObject({ preset: "custom", featuriser: { kind: "cnn", source: "folder", dir: cnnDir }, layer: "dense2", mirrorAverage: false });
    expect(config.head).toEqual({ source: "cnn-output", label: "cnn-output (the CNN's own classifier)" });
  });

  it("a head file sets the layer and mirror averaging; featureLayer and mirrorAverage override them", async () => {
    const file = await headFile("dense2-mirror.json", "dense2", { mirrorAverage: true });
    const config = await resolvePipelineConfig({ cnn: cnnDir, head: file });
    expect(config).toMatchObject({ layer: "dense2", mirrorAverage: true, head: { source: "file", file, label: "knn (dense2-mirror.json)" } });
    expect((await resolvePipelineConfig({ cnn: cnnDir, head: file, mirrorAverage: false })).mirrorAverage).toBe(false);
    // Reading another layer than the head was fitted on is refused, naming both.
    const err = await resolvePipelineConfig({ cnn: cnnDir, head: file, featureLayer: "dense1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect(err).toMatchObject({ kind: "head-mismatch", message: expect.stringMatching(/dense2.*dense1/) });
  });

  it("a head file fitted on another CNN is refused; with FER_CNN_DIR the shipped fast head gives way to the CNN's own", async () => {
    const theirs = await headFile("theirs.json", "dense1", { model: "another training run" });
    await expect(resolvePipelineConfig({ cnn: cnnDir, head: theirs })).rejects.toMatchObject({ kind: "head-mismatch", message: expect.stringMatching(/another training run/) });
    const saved = process.env.FER_CNN_DIR;
    process.env.FER_CNN_DIR = cnnDir;
    try {
      const config = await resolvePipelineConfig();
      expect(config.preset).toBe("fast");
      expect(config.head).toMatchObject({ source: "cnn-output", label: expect.stringMatching(/fitted on another CNN/) });
      expect(config.layer).toBe("dense2");
    } finally {
      if (saved === undefined) delete process.env.FER_CNN_DIR;
      else process.env.FER_CNN_DIR = saved;
    }
  });

  it("the accurate preset with { cnn } is a CNN pipeline, with { head } keeps its embedder and takes the head", async () => {
    expect((await resolvePipelineConfig({ preset: "accurate", cnn: cnnDir })).featuriser).toMatchObject({ kind: "cnn", dir: cnnDir });
    const config = await resolvePipelineConfig({ preset: "accurate", head });
    expect(config).toMatchObject({ preset: "custom", featuriser: { source: "accurate-preset" }, head: { source: "given", label: "knn", head } });
  });

  it("{ embedder } needs a head; a given detector keeps its name and the margin option wins over its default", async () => {
    await expect(resolvePipelineConfig({ embedder })).rejects.toMatchObject({ kind: "bad-option", message: expect.stringMatching(/embedder needs a head/) });
    const config = await resolvePipelineConfig({ embedder, head, margin: 0.2 });
    expect(config).toMatchObject({ preset: "custom", featuriser: { kind: "embedder", source: "given", embedder }, margin: 0.2 });
    expect(config.layer).toBeUndefined();
    const detector = { name: "mine", detect: async () => [], dispose: () => {} };
    const given = await resolvePipelineConfig({ cnn: cnnDir, detector: detector as never });
    expect(given.detector).toEqual({ source: "given", name: "mine", detector });
    expect(given.margin).toBe(0);
    expect((await resolvePipelineConfig({ cnn: cnnDir, detector: "haar" })).margin).toBe(DEFAULT_MARGINS.haar);
  });

  it("refuses bad values and impossible combinations with bad-option, before reading any file", async () => {
    const bad = [
      { preset: "slow" as never },
      { margin: 2 },
      { align: "yes" as never },
      { featureLayer: "conv1" as never },
      { engine: "gpu" as never },
      { threads: 0 },
      { detector: "blazeface" as never },
    ];
    for (const options of bad) {
      await expect(resolvePipelineConfig({ cnn: path.join(work, "no-such-cnn"), ...options }), JSON.stringify(options)).rejects.toMatchObject({ kind: "bad-option" });
    }
    await expect(resolvePipelineConfig({ cnn: path.join(work, "no-such-cnn") })).rejects.toThrow(/no-such-cnn/);
    await expect(resolvePipelineConfig({ cnn: cnnDir, head: path.join(work, "no-head.json") })).rejects.toMatchObject({ kind: "no-model" });
  });
});

it("createPipeline builds what the configuration says and reports it in config and models", async () => {
  const file = await headFile("dense1.json", "dense1");
  const options = { cnn: cnnDir, head: file, detector: "ssd-mobilenet-v1" as const, margin: 0.1, align: false };
  const p = await createPipeline(options);
  try {
    expect(p.config).toEqual(await resolvePipelineConfig(options));
    expect(p.models).toMatchObject({ preset: "custom", detector: "ssd-mobilenet-v1", head: "knn (dense1.json)", layer: "dense1", margin: 0.1, align: false, mirrorAverage: false });
    expect(p.featuriser.name).toMatch(/ dense1$/);
    expect(p.margin).toBe(0.1);
    expect((await p.analyze(PHOTOS.apollo)).models).toBe(p.models);
  } finally {
    p.dispose();
  }
});
