import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeBaselineGrayJpeg, mirrorFaces } from "@fer/preprocess";
import {
  augmentFaces,
  augmentScratch,
  betaSample,
  describeAugmentSpec,
  jpegQuantTable,
  jpegRoundTrip,
  mixBatch,
  parseAugmentSpec,
  scaleUnitFaces,
} from "../src/augment.js";
import { augmentRandom } from "../src/batches.js";
import { fer2013 } from "./shared-data.js";

const SIZE = 48;
const PER = SIZE * SIZE;
const FILES = ["angry/Training_10118481.jpg", "happy/Training_10019449.jpg", "surprise/Training_10013223.jpg", "sad/Training_10022789.jpg"];

/** Real FER2013 faces as [0, 1] floats. */
async function faces(): Promise<Float32Array> {
  const out = new Float32Array(FILES.length * PER);
  for (const [i, f] of FILES.entries()) {
    const img = decodeBaselineGrayJpeg(await readFile(join(fer2013("train"), f)))!;
    img.data.forEach((v, k) => (out[i * PER + k] = v / 255));
  }
  return out;
}

const constant = (v: number) => () => v;
const meanAbs = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + Math.abs(x - b[i]!), 0) / a.length;

describe("augmentation of training faces", () => {
  it("parses presets and key=value items, later ones winning, and refuses unknown or out-of-range items", () => {
    expect(parseAugmentSpec("flip,crop=4,erase=0.5")).toEqual({ flip: true, crop: 4, erase: 0.5 });
    expect(parseAugmentSpec("standard,erase=0,noflip")).toMatchObject({ flip: false, crop: 4, erase: 0 });
    expect(describeAugmentSpec(parseAugmentSpec("detector,mixup=0.2"))).toMatch(/^flip,crop=5,.*jpeg=30,erase=0.25,mixup=0.2$/);
    expect(parseAugmentSpec("none")).toEqual({});
    expect(() => parseAugmentSpec("sharpen=1")).toThrow(/unknown augmentation "sharpen=1"/);
    expect(() => parseAugmentSpec("rotate=90")).toThrow(/rotate must be in \[0, 45\]/);
    expect(() => parseAugmentSpec("jpeg=2")).toThrow(/quality/);
  });

  it("a flip drawn at random mirrors the face exactly; middle draws leave it untouched", async () => {
    const x = await faces();
    const flipped = x.slice();
    augmentFaces(flipped, 4, SIZE, { flip: true, crop: 3, rotate: 10, scale: 0.1 }, constant(0.25), augmentScratch(SIZE));
    expect(meanAbs(flipped, x)).toBeGreaterThan(0.01);
    const onlyFlip = x.slice();
    // rand 0.25 flips (0.25 < 0.5); with no other option set nothing else moves.
    augmentFaces(onlyFlip, 4, SIZE, { flip: true }, constant(0.25), augmentScratch(SIZE));
    const mirrored = mirrorFaces(Uint8Array.from(x, (v) => Math.round(v * 255)), 4, SIZE);
    onlyFlip.forEach((v, i) => expect(Math.round(v * 255)).toBe(mirrored[i]));
    const still = x.slice();
    // rand 0.5: no flip, every uniform range at its centre (no rotation, zoom, shift, light change), no coin lands.
    augmentFaces(still, 4, SIZE, parseAugmentSpec("standard"), constant(0.5), augmentScratch(SIZE));
    expect(still).toEqual(x);
  });

  it("is a function of (seed, epoch, batch): the same draws repeat, another batch differs; values stay in [0, 1]", async () => {
    const x = await faces();
    const spec = parseAugmentSpec("detector");
    const run = (epoch: number, start: number) => {
      const y = x.slice();
      augmentFaces(y, 4, SIZE, spec, augmentRandom(42, epoch, start), augmentScratch(SIZE));
      return y;
    };
    const a = run(1, 64);
    expect(run(1, 64)).toEqual(a);
    expect(run(1, 128)).not.toEqual(a);
    expect(run(2, 64)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
    // Augmented faces stay close to the originals on average (a face, not noise).
    expect(meanAbs(a, x)).toBeGreaterThan(0.01);
    expect(meanAbs(a, x)).toBeLessThan(0.25);
  });

  it("erases one rectangle with noise and leaves the rest of the face", async () => {
    const x = await faces();
    const y = x.slice(0, PER);
    augmentFaces(y, 1, SIZE, { erase: 1 }, augmentRandom(1, 1, 0), augmentScratch(SIZE));
    const changed: number[] = [];
    y.forEach((v, i) => v !== x[i] && changed.push(i));
    const rows = changed.map((i) => Math.floor(i / SIZE));
    const cols = changed.map((i) => i % SIZE);
    const box = (Math.max(...rows) - Math.min(...rows) + 1) * (Math.max(...cols) - Math.min(...cols) + 1);
    expect(changed.length).toBeGreaterThan(0.015 * PER);
    expect(box).toBeLessThan(0.27 * PER);
    expect(changed.length).toBeGreaterThan(0.95 * box); // one filled rectangle (a noise value may equal the pixel)
  });

  it("JPEG: libjpeg's quantisation tables; quality 95 barely changes a face, quality 10 visibly, and blocks show", async () => {
    expect(Array.from(jpegQuantTable(50).subarray(0, 8))).toEqual([16, 11, 10, 16, 24, 40, 51, 61]);
    // The shared FER2013 JPEGs were written with IJG quality 95 tables (ferplus/README.md): row 1 of that table.
    expect(Array.from(jpegQuantTable(95).subarray(0, 8))).toEqual([2, 1, 1, 2, 2, 4, 5, 6]);
    const x = (await faces()).subarray(0, PER);
    const high = x.slice();
    jpegRoundTrip(high, SIZE, 95);
    const low = x.slice();
    jpegRoundTrip(low, SIZE, 10);
    expect(meanAbs(high, x) * 255).toBeLessThan(1.5);
    expect(meanAbs(low, x) * 255).toBeGreaterThan(3 * meanAbs(high, x) * 255);
    // A JPEG of a decoded JPEG at its own quality is nearly stable (the file was quality 95).
    const again = high.slice();
    jpegRoundTrip(again, SIZE, 95);
    expect(meanAbs(again, high) * 255).toBeLessThan(meanAbs(high, x) * 255);
  });

  it("mixup mixes faces and targets with one λ; cutmix pastes a box and weights targets by its area", async () => {
    const x = await faces();
    const targets = Float32Array.from({ length: 4 * 7 }, (_, i) => (i % 7 === Math.floor(i / 7) ? 1 : 0));
    const mixed = x.slice();
    const t = targets.slice();
    const lambda = mixBatch(mixed, t, 4, SIZE, 7, { mixup: 0.4 }, augmentRandom(3, 1, 0), new Float32Array(4 * PER), new Float32Array(28));
    expect(lambda).toBeGreaterThan(0);
    expect(lambda).toBeLessThan(1);
    for (let i = 0; i < 4; i++) {
      const row = t.subarray(i * 7, i * 7 + 7);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      // Own class keeps λ (plus 1 - λ when paired with itself); the face is λ·own + (1 - λ)·partner.
      const partner = row.findIndex((v, c) => c !== i && v > 0);
      const p = partner < 0 ? i : partner;
      expect(mixed[i * PER + 100]).toBeCloseTo(lambda * x[i * PER + 100]! + (1 - lambda) * x[p * PER + 100]!, 5);
    }
    const cut = x.slice();
    const tc = targets.slice();
    const lc = mixBatch(cut, tc, 4, SIZE, 7, { cutmix: 1 }, augmentRandom(4, 1, 0), new Float32Array(4 * PER), new Float32Array(28));
    const same = cut.subarray(0, PER).filter((v, k) => v === x[k]).length;
    expect(tc[0]! + tc.subarray(0, 7).reduce((a, b) => a + b, 0) - tc[0]!).toBeCloseTo(1, 6);
    // The share of face 0's own pixels is λ (unless its partner is itself).
    if (tc[0]! < 1) expect(same / PER).toBeGreaterThanOrEqual(lc - 0.01);
    const draws = Array.from({ length: 2000 }, (_, i) => betaSample(augmentRandom(i, 0, 0), 0.5));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeCloseTo(0.5, 1);
    expect(draws.filter((d) => d < 0.1 || d > 0.9).length / draws.length).toBeGreaterThan(0.3); // Beta(0.5, 0.5) is U-shaped
  });

  it("puts augmented faces into the run's pixel scale as prepareFaces would", async () => {
    const x = (await faces()).subarray(0, PER);
    const raw = x.slice();
    scaleUnitFaces(raw, 1, PER, "raw");
    raw.forEach((v, i) => expect(v).toBeCloseTo(x[i]! * 255, 3));
    const standard = x.slice();
    scaleUnitFaces(standard, 1, PER, "standard");
    const mean = standard.reduce((a, b) => a + b, 0) / PER;
    const sd = Math.sqrt(standard.reduce((a, b) => a + (b - mean) ** 2, 0) / PER);
    expect(mean).toBeCloseTo(0, 4);
    expect(sd).toBeCloseTo(1, 3);
  });
});
