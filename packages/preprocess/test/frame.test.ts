import sharp, { type Sharp } from "sharp";
import { describe, expect, it } from "vitest";
import { cropBox, faceFrame, frameFace, toGray, type GrayImage } from "../src/index.js";
import { decodeImage } from "../src/node/index.js";
import { ferFiles, ferTrain } from "./helpers.js";

const FACE = 192;
const CANVAS = 400;

/** A FER2013 train face enlarged to 192 px (sharp, Lanczos) in the middle of a 400x400 gray canvas. */
async function uprightScene(file: string): Promise<{ face: GrayImage; scene: Sharp }> {
  const img = toGray(await decodeImage(file));
  const big = await sharp(Buffer.from(img.data), { raw: { width: 48, height: 48, channels: 1 } })
    .resize(FACE, FACE, { kernel: "lanczos3" })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const face: GrayImage = { width: FACE, height: FACE, channels: 1, data: new Uint8Array(big) };
  const off = (CANVAS - FACE) / 2;
  const scene = sharp(Buffer.from(big), { raw: { width: FACE, height: FACE, channels: 1 } }).extend({
    top: off,
    bottom: off,
    left: off,
    right: off,
    background: { r: 128, g: 128, b: 128 },
  }).extractChannel(0);
  return { face, scene };
}

/** The scene turned clockwise by `deg` with sharp (an independent implementation), and where the face went. */
async function rotatedScene(file: string, deg: number) {
  const { face, scene } = await uprightScene(file);
  const flat = await scene.raw().toBuffer();
  const { data, info } = await sharp(flat, { raw: { width: CANVAS, height: CANVAS, channels: 1 } })
    .rotate(deg, { background: { r: 128, g: 128, b: 128 } })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const image: GrayImage = { width: info.width, height: info.height, channels: 1, data: new Uint8Array(data) };
  const t = (deg * Math.PI) / 180;
  // y points down: a clockwise turn maps (x, y) to (x cos - y sin, x sin + y cos) about the centre.
  const map = (x: number, y: number): [number, number] => {
    const dx = x - CANVAS / 2;
    const dy = y - CANVAS / 2;
    return [info.width / 2 + dx * Math.cos(t) - dy * Math.sin(t), info.height / 2 + dx * Math.sin(t) + dy * Math.cos(t)];
  };
  const off = (CANVAS - FACE) / 2;
  // Typical FER2013 eye centres (x 15 and 33, y 19 of 48): only the line through them matters for alignment.
  const eyes = { leftEye: map(off + (15 * FACE) / 48, off + (19 * FACE) / 48), rightEye: map(off + (33 * FACE) / 48, off + (19 * FACE) / 48) };
  const [cx, cy] = map(CANVAS / 2, CANVAS / 2);
  const box = { x: Math.round(cx - FACE / 2), y: Math.round(cy - FACE / 2), width: FACE, height: FACE };
  return { face, image, eyes, box };
}

/** Pearson correlation of two equal-size gray images over their central `frac` square. */
function centralCorrelation(a: GrayImage, b: GrayImage, frac = 0.7): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  const lo = Math.round((a.width * (1 - frac)) / 2);
  const hi = a.width - lo;
  let n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (let y = lo; y < hi; y++) {
    for (let x = lo; x < hi; x++) {
      const p = a.data[y * a.width + x]!;
      const q = b.data[y * b.width + x]!;
      n++;
      sa += p;
      sb += q;
      saa += p * p;
      sbb += q * q;
      sab += p * q;
    }
  }
  const cov = sab / n - (sa / n) * (sb / n);
  return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

describe("frameFace", () => {
  const files = ferFiles(ferTrain, 1); // one train face per class

  it("a FER2013 train face turned by +20 degrees comes out level after alignment", async () => {
    for (const file of files) {
      const { face, image, eyes, box } = await rotatedScene(file, 20);
      const aligned = frameFace(image, box, { align: true, eyes });
      const plain = frameFace(image, box, { align: false, eyes });
      expect(aligned.width).toBe(FACE);
      const rAligned = centralCorrelation(aligned, face);
      const rPlain = centralCorrelation(plain, face);
      expect(rAligned, file).toBeGreaterThan(0.97);
      expect(rAligned - rPlain, file).toBeGreaterThan(0.1);
    }
  });

  it("turns either way: -20 degrees comes out level too", async () => {
    const { face, image, eyes, box } = await rotatedScene(files[3]!, -20);
    expect(centralCorrelation(frameFace(image, box, { align: true, eyes }), face)).toBeGreaterThan(0.97);
  });

  it("without alignment (or without eyes) it is cropBox's square, margin included", async () => {
    const { image, eyes, box } = await rotatedScene(files[0]!, 20);
    for (const margin of [-0.05, 0, 0.15]) {
      const expected = cropBox(image, box, { margin, square: true });
      const same = (a: GrayImage, b: GrayImage) => a.width === b.width && a.height === b.height && Buffer.from(a.data).equals(Buffer.from(b.data));
      expect(same(frameFace(image, box, { margin, eyes }), expected)).toBe(true);
      expect(same(frameFace(image, box, { margin, align: true }), expected)).toBe(true);
    }
  });

  it("aligned with level eyes on a whole-pixel square gives exactly the crop", async () => {
    const { face, scene } = await uprightScene(files[1]!);
    const flat = await scene.raw().toBuffer();
    const image: GrayImage = { width: CANVAS, height: CANVAS, channels: 1, data: new Uint8Array(flat) };
    const box = { x: 104, y: 104, width: FACE, height: FACE };
    const out = frameFace(image, box, { align: true, eyes: { leftEye: [160, 180], rightEye: [240, 180] } });
    expect(out).toEqual(face);
  });

  it("margin sets the side: (1 + 2 margin) x the box's longer side", async () => {
    const { image, eyes, box } = await rotatedScene(files[2]!, 10);
    for (const margin of [-0.05, 0.1, 0.2]) {
      expect(frameFace(image, { ...box, height: 150 }, { margin, align: true, eyes }).width).toBe(Math.round(FACE * (1 + 2 * margin)));
    }
    expect(() => frameFace(image, box, { margin: -0.3 })).toThrow(RangeError);
    expect(() => frameFace(image, box, { margin: 1.5, align: true, eyes })).toThrow(RangeError);
  });

  it("offset moves the square down the face: straight down unaligned, across the eye line aligned", async () => {
    const { image, eyes, box } = await rotatedScene(files[4]!, 20);
    const side = FACE;
    // Unaligned: the crop of the box moved down by offset x its side.
    const same = (a: GrayImage, b: GrayImage) => a.width === b.width && Buffer.from(a.data).equals(Buffer.from(b.data));
    expect(same(frameFace(image, box, { offset: 0.1 }), cropBox(image, { ...box, y: box.y + 0.1 * side }, { square: true }))).toBe(true);
    // Aligned: the centre moves along the eye line's normal, towards the chin of the turned face.
    const t = (20 * Math.PI) / 180;
    const f0 = faceFrame(box, image.width, image.height, { align: true, eyes });
    const f1 = faceFrame(box, image.width, image.height, { align: true, eyes, offset: -0.05 });
    expect(f1.cx - f0.cx).toBeCloseTo(0.05 * side * Math.sin(t), 6);
    expect(f1.cy - f0.cy).toBeCloseTo(-0.05 * side * Math.cos(t), 6);
    // The aligned crop of a face moved up by 10% of its side, with offset 0.1, is the aligned crop of the face.
    const up = { ...box, x: box.x + 0.1 * side * Math.sin(t), y: box.y - 0.1 * side * Math.cos(t) };
    expect(centralCorrelation(frameFace(image, up, { align: true, eyes, offset: 0.1 }), frameFace(image, box, { align: true, eyes }))).toBeGreaterThan(0.99);
    expect(() => frameFace(image, box, { offset: 0.6 })).toThrow(RangeError);
    expect(() => frameFace(image, box, { offset: Number.NaN, align: true, eyes })).toThrow(RangeError);
  });

  it("at the image borders: crops keep their size and centre, with pixels from the image only", () => {
    const W = 320;
    const H = 240;
    // Columns coded by x, rows by y: every output pixel must be a blend of neighbouring image pixels.
    const data = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set([x % 256, y, 77], (y * W + x) * 3);
    const image = { width: W, height: H, channels: 3 as const, data };
    for (const [x, y] of [[0, 0], [W - 60, 0], [0, H - 60], [W - 60, H - 60], [-20, -10], [W - 30, H - 20]] as const) {
      for (const deg of [-30, -12, 0, 25]) {
        const t = (deg * Math.PI) / 180;
        const eyes = { leftEye: [x + 15, y + 25] as [number, number], rightEye: [x + 15 + 30 * Math.cos(t), y + 25 + 30 * Math.sin(t)] as [number, number] };
        const box = { x, y, width: 60, height: 60 };
        const f = faceFrame(box, W, H, { margin: 0.2, align: true, eyes });
        expect(f.angle).toBeCloseTo(t, 6);
        expect([f.cx, f.cy]).toEqual([x + 30, y + 30]);
        const out = frameFace(image, box, { margin: 0.2, align: true, eyes });
        expect([out.width, out.height, out.channels]).toEqual([84, 84, 3]);
        let foreign = 0;
        for (let p = 0; p < 84 * 84; p++) if (out.data[p * 3 + 2] !== 77 || out.data[p * 3 + 1]! >= H) foreign++;
        expect(foreign).toBe(0);
        // The output's centre samples the box centre (clamped into the image).
        const mid = (42 * 84 + 42) * 3;
        expect(Math.abs(out.data[mid + 1]! - Math.min(Math.max(y + 30, 0), H - 1))).toBeLessThanOrEqual(1.5);
        const plain = frameFace(image, box, { margin: 0.2 });
        expect(plain.width).toBe(plain.height);
        expect(plain.width).toBeLessThanOrEqual(Math.min(W, H));
      }
    }
  });
});
