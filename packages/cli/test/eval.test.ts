import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPipeline, evaluateFolder, type Pipeline } from "@fer/pipeline";
import { drawConfusionHeatmap, writeReport } from "../src/index.js";
import { fer2013, PHOTOS } from "./helpers.js";

let work: string;
let pipeline: Pipeline;

/** Copies the first `n` test images of each of `classes` into `<dir>/<class>/`. */
async function slice(dir: string, classes: string[], n: number): Promise<void> {
  for (const cls of classes) {
    await mkdir(path.join(dir, cls), { recursive: true });
    const files = (await readdir(path.join(fer2013("test"), cls))).sort().slice(0, n);
    for (const f of files) await copyFile(path.join(fer2013("test"), cls, f), path.join(dir, cls, f));
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fer-eval-"));
  pipeline = await createPipeline({ cnn: inject("tinyCnnDir") });
});

afterAll(async () => {
  pipeline?.dispose();
  await rm(work, { recursive: true, force: true });
});

describe("evaluateFolder on face crops", () => {
  it("scores a labelled slice with a subset of the classes, consistently with classifying each image", async () => {
    const root = path.join(work, "crops");
    await slice(root, ["happy", "sad", "surprise"], 8);
    const r = await evaluateFolder(pipeline, root, { cache: false });
    expect(r.images).toBe(24);
    expect(r.classes).toEqual(["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(24);
    expect(r.actualCounts).toEqual([0, 0, 0, 8, 0, 8, 8]);
    expect(r.perClass.happy!.support).toBe(8);
    const diagonal = r.confusion.reduce((s, row, i) => s + row[i]!, 0);
    expect(r.accuracy).toBeCloseTo(diagonal / 24);
    expect(r.msPerFace).toBeGreaterThan(0);
    // The same images classified one by one through analyze's crop path give the same predictions.
    const files = (await readdir(path.join(root, "sad"))).sort().map((f) => path.join(root, "sad", f));
    const { decodeImage } = await import("@fer/preprocess/node");
    const one = await pipeline.classifyFaces(await Promise.all(files.map((f) => decodeImage(f))));
    const predictedSad = one.map((s) => r.classes.indexOf(s.emotion));
    const row = new Array(7).fill(0);
    for (const p of predictedSad) row[p]++;
    expect(r.confusion[5]).toEqual(row);
  });

  it("writes the Markdown report and its charts, with the calibration", async () => {
    const root = path.join(work, "crops");
    const r = await evaluateFolder(pipeline, root, { cache: false });
    const out = await writeReport(r, path.join(work, "report"), { date: "2026-11-26" });
    const md = await readFile(out.markdown, "utf8");
    expect(md).toContain("| happy |");
    expect(md).toContain("all classes (weighted)");
    expect(md).toContain("![confusion matrix heatmap](confusion-matrix.png)");
    expect(md).toContain("![images per class, actual vs predicted](class-counts.png)");
    expect(md).toContain("![reliability diagram](reliability.png)");
    expect(md).toContain(`Expected calibration error (top label, 15 equal-width confidence bins): **${(r.calibration.ece * 100).toFixed(2)}%**`);
    expect(r.calibration.bins).toHaveLength(15);
    expect(r.calibration.bins.reduce((n, b) => n + b.count, 0)).toBe(r.images);
    expect(r.calibration.accuracy).toBeCloseTo(r.accuracy, 12);
    const diagram = await sharp(out.reliability).metadata();
    expect(diagram.format).toBe("png");
    expect(diagram.width).toBeGreaterThan(500);
    const heat = await sharp(out.confusion).metadata();
    const bars = await sharp(out.counts).metadata();
    expect(heat.format).toBe("png");
    expect(heat.width).toBeGreaterThan(700);
    expect(bars.format).toBe("png");
    expect(bars.width).toBeGreaterThan(800);
    // The files hold this evaluation's charts (the charts themselves are checked pixel by pixel in charts.test.ts).
    const drawn = drawConfusionHeatmap(r.classes, r.confusion);
    const { data, info } = await sharp(out.confusion).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([drawn.width, drawn.height, drawn.channels]);
    expect(Buffer.compare(data, Buffer.from(drawn.data))).toBe(0);
  });
});

describe("evaluateFolder on photos (--detect)", () => {
  it("classifies the largest face and counts photos with no face as errors", async () => {
    const root = path.join(work, "photos");
    await mkdir(path.join(root, "happy"), { recursive: true });
    await mkdir(path.join(root, "neutral"), { recursive: true });
    await copyFile(PHOTOS.obama, path.join(root, "happy", "family.jpg"));
    await copyFile(PHOTOS.apollo, path.join(root, "neutral", "crew.jpg"));
    await sharp({ create: { width: 200, height: 150, channels: 3, background: { r: 120, g: 140, b: 160 } } }).png().toFile(path.join(root, "neutral", "wall.png"));
    await writeFile(path.join(root, "neutral", "broken.jpg"), "not an image");
    const r = await evaluateFolder(pipeline, root, { detect: true });
    expect(r.images).toBe(3);
    expect(r.noFace).toEqual([path.join(root, "neutral", "wall.png")]);
    expect(r.problems.map((p) => path.basename(p.file))).toEqual(["broken.jpg"]);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(2);
    expect(r.perClass.neutral!.support).toBe(2);
    expect(r.accuracy).toBeLessThanOrEqual(2 / 3);
  });
});
