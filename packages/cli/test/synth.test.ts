import { frameFace, prepareFaceBytes, type GrayImage, type Image } from "@fer/preprocess";
import type { Detection, FaceDetector } from "@fer/face-detect";
import { describe, expect, inject, it } from "vitest";
import { createPipeline } from "@fer/pipeline";
import { evaluateSyntheticPortraits, matchFace, rangeOf } from "../src/synth/evaluate.js";
import { BACKGROUND_KINDS, portraitSpec, renderPortrait, type BackgroundPhoto } from "../src/synth/portraits.js";
import { ferSlice } from "./helpers.js";

function correlation(a: Uint8Array, b: Uint8Array): number {
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[i]!;
    saa += a[i]! * a[i]!;
    sbb += b[i]! * b[i]!;
    sab += a[i]! * b[i]!;
  }
  const cov = sab / n - (sa / n) * (sb / n);
  return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

/** A small "photo": a gradient with one marked face region, enough for photo backgrounds. */
function fakePhoto(): BackgroundPhoto {
  const w = 900;
  const h = 700;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x % 256, y % 256, (x + y) % 256], (y * w + x) * 3);
  return { image: { width: w, height: h, channels: 3, data }, faces: [{ x: 400, y: 300, width: 80, height: 80 }], name: "fake" };
}

describe("synthetic portraits", async () => {
  const faces = await ferSlice("train", 2); // 14 FER2013 train faces, 2 per class
  const face = (i: number): GrayImage => ({ width: 48, height: 48, channels: 1, data: faces.pixels.subarray(i * 2304, (i + 1) * 2304) });
  const photos = [fakePhoto()];

  it("are deterministic for a seed, and differ between seeds", async () => {
    for (const i of [0, 5, 9]) {
      const a = portraitSpec(i, { seed: 7 });
      expect(portraitSpec(i, { seed: 7 })).toEqual(a);
      expect(portraitSpec(i, { seed: 8 })).not.toEqual(a);
      const r1 = await renderPortrait(a, face(i), photos);
      const r2 = await renderPortrait(portraitSpec(i, { seed: 7 }), face(i), photos);
      expect(Buffer.from(r2.image.data).equals(Buffer.from(r1.image.data))).toBe(true);
      expect(r2.faceBox).toEqual(r1.faceBox);
    }
    // Every background kind is deterministic too.
    for (const kind of BACKGROUND_KINDS) {
      const spec = portraitSpec(3, { seed: 2, backgrounds: [kind] });
      const a = await renderPortrait(spec, face(3), photos);
      const b = await renderPortrait(spec, face(3), photos);
      expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data)), kind).toBe(true);
    }
  });

  it("draw scales, angles and positions in the asked ranges, the unturned face square inside the frame", () => {
    const specs = Array.from({ length: 300 }, (_, i) => portraitSpec(i, { seed: 1 }));
    for (const s of specs) {
      expect(s.scale).toBeGreaterThanOrEqual(0.09);
      expect(s.scale).toBeLessThanOrEqual(1);
      expect(Math.abs(s.angle)).toBeLessThanOrEqual(30);
      expect(Math.min(s.width, s.height)).toBeGreaterThanOrEqual(320);
      expect(s.cx - s.side / 2).toBeGreaterThanOrEqual(0);
      expect(s.cy + s.side / 2).toBeLessThanOrEqual(s.height);
    }
    expect(Math.min(...specs.map((s) => s.scale))).toBeLessThan(0.15);
    expect(Math.max(...specs.map((s) => s.scale))).toBeGreaterThan(0.95);
    expect(Math.max(...specs.map((s) => Math.abs(s.angle)))).toBeGreaterThan(28);
    expect(new Set(specs.map((s) => s.background)).size).toBe(4);
  });

  it("record where the face really is: the true square turned back is the original face", async () => {
    for (let i = 0; i < 6; i++) {
      const spec = portraitSpec(i, { seed: 3, scale: [0.3, 0.9] });
      const p = await renderPortrait(spec, face(i), photos);
      const t = (spec.angle * Math.PI) / 180;
      const cx = p.faceBox.x + p.faceBox.width / 2;
      const cy = p.faceBox.y + p.faceBox.height / 2;
      const eyes = { leftEye: [cx - Math.cos(t), cy - Math.sin(t)] as [number, number], rightEye: [cx + Math.cos(t), cy + Math.sin(t)] as [number, number] };
      const crop = prepareFaceBytes(frameFace(p.image as Image, p.faceBox, { align: true, eyes }), { size: 48, contrast: "none" });
      const unturned = prepareFaceBytes(frameFace(p.image as Image, p.faceBox), { size: 48, contrast: "none" });
      const r = correlation(crop.data, face(i).data);
      expect(r, `portrait ${i}, ${spec.angle.toFixed(1)} degrees`).toBeGreaterThan(0.95);
      if (Math.abs(spec.angle) > 8) expect(r).toBeGreaterThan(correlation(unturned.data, face(i).data) + 0.05);
    }
  });

  it("matchFace takes the detection over the face and counts the others as false boxes", () => {
    const face = { x: 100, y: 100, width: 100, height: 100 };
    const found = [
      { x: 400, y: 50, width: 80, height: 80 },
      { x: 95, y: 110, width: 90, height: 95 },
      { x: 150, y: 150, width: 200, height: 200 },
    ];
    const { match, falseBoxes } = matchFace(found, face);
    expect(match).toBe(found[1]);
    expect(falseBoxes).toBe(2);
    expect(matchFace([found[0]!], face)).toEqual({ falseBoxes: 1 });
    expect(matchFace([], face)).toEqual({ falseBoxes: 0 });
  });

  it("evaluateSyntheticPortraits: the core range (15-100% of the frame, at most 20 degrees), its misses, and the gap per bucket", async () => {
    expect([rangeOf({ scale: 0.15, angle: -20 }), rangeOf({ scale: 1, angle: 20 }), rangeOf({ scale: 0.149, angle: 0 }), rangeOf({ scale: 0.5, angle: 20.5 })]).toEqual(["core", "core", "small", "turned"]);
    const none: FaceDetector = { name: "yunet", detect: async () => [], dispose: () => {} };
    const pipeline = await createPipeline({ cnn: inject("tinyCnnDir"), mirrorAverage: false });
    try {
      const r = await evaluateSyntheticPortraits({ faces, detectors: [none], framings: [{ margin: 0, align: "truth" }], pipeline, seed: 4, truthDetector: true });
      const ranges = Array.from({ length: faces.count }, (_, i) => rangeOf(portraitSpec(i, { seed: 4 }, false)));
      const count = (k: string) => ranges.filter((x) => x === k).length;
      expect(count("core") + count("small") + count("turned")).toBe(faces.count);
      expect(Math.min(count("core"), count("turned"))).toBeGreaterThan(0);
      const [missed, truth] = r.detection;
      expect([missed!.core, missed!.small, missed!.turned]).toEqual([[0, count("core")], [0, count("small")], [0, count("turned")]]);
      expect(missed!.coreMissed).toEqual(ranges.flatMap((x, i) => (x === "core" ? [i] : [])));
      expect([truth!.core[0], truth!.small[0], truth!.turned[0], truth!.coreMissed.length]).toEqual([count("core"), count("small"), count("turned"), 0]);
      // The buckets add up to the whole: faces, right answers on the crops and on the originals.
      const [acc] = r.accuracy;
      for (const buckets of [acc!.byScale, acc!.byAngle]) {
        const sum = (k: number) => buckets.reduce((s, b) => s + b[k]!, 0);
        expect([sum(1), sum(2), sum(3)]).toEqual([acc!.faces, Math.round(acc!.accuracy * acc!.faces), Math.round(acc!.originalAccuracy * acc!.faces)]);
      }
    } finally {
      pipeline.dispose();
    }
  });

  it("the pipeline frames detected faces with frameFace: margin, and alignment by the detection's landmarks", async () => {
    const spec = portraitSpec(4, { seed: 5, scale: [0.4, 0.6], backgrounds: ["plain"] });
    const p = await renderPortrait(spec, face(4));
    const t = (spec.angle * Math.PI) / 180;
    const cx = p.faceBox.x + p.faceBox.width / 2;
    const cy = p.faceBox.y + p.faceBox.height / 2;
    const eyes = { leftEye: [cx - 20 * Math.cos(t), cy - 20 * Math.sin(t)] as [number, number], rightEye: [cx + 20 * Math.cos(t), cy + 20 * Math.sin(t)] as [number, number] };
    const box = { x: Math.round(p.faceBox.x), y: Math.round(p.faceBox.y), width: p.faceBox.width, height: p.faceBox.height };
    const detection: Detection = { ...box, score: 0.9, landmarks: { ...eyes, nose: [cx, cy], mouthLeft: [cx, cy], mouthRight: [cx, cy] } };
    const detector: FaceDetector = { name: "yunet", detect: async () => [detection], dispose: () => {} };
    const cnn = inject("tinyCnnDir");
    await expect(createPipeline({ cnn, margin: -0.3 })).rejects.toThrow(/margin/);
    await expect(createPipeline({ cnn, align: "yes" as never })).rejects.toThrow(/align/);
    for (const align of [true, false]) {
      const pipeline = await createPipeline({ cnn, detector, margin: 0.1, align, mirrorAverage: false });
      try {
        expect([pipeline.margin, pipeline.align]).toEqual([0.1, align]);
        const [analysed] = (await pipeline.analyzeImage(p.image)).faces;
        const [direct] = await pipeline.classifyFaces([frameFace(p.image, box, { margin: 0.1, align, eyes })]);
        expect(analysed!.scores).toEqual(direct!.scores);
      } finally {
        pipeline.dispose();
      }
    }
  });
});
