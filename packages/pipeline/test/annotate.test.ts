import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Image } from "@fer/preprocess";
import { Canvas } from "../src/draw/canvas.js";
import { annotate, EMOTION_COLORS, faceLabel, saveImageAs, textWidth } from "../src/index.js";

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fer-annotate-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const gray = (w: number, h: number, v = 40): Image => ({ width: w, height: h, channels: 1, data: new Uint8Array(w * h).fill(v) });
const px = (img: Image, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe("annotate", () => {
  it("draws each box in its emotion's colour and a label, leaving the input untouched", () => {
    const img = gray(400, 300);
    const out = annotate(img, [{ box: { x: 100, y: 120, width: 80, height: 90 }, emotion: "happy", confidence: 0.87 }], { thickness: 3, fontScale: 2 });
    expect([out.width, out.height, out.channels]).toEqual([400, 300, 3]);
    expect(img.data.every((v) => v === 40)).toBe(true);
    expect(px(out, 100, 150)).toEqual([...EMOTION_COLORS.happy!]); // left edge of the box
    expect(px(out, 140, 150)).toEqual([40, 40, 40]); // inside the box: the photo
    // The label "happy 87%" sits above the box: a coloured band with black glyph pixels in it.
    const labelW = textWidth("happy 87%", 2) + 4;
    const band = Array.from({ length: labelW }, (_, i) => px(out, 100 + i, 120 - 10));
    expect(band.some((p) => p.join() === "0,0,0")).toBe(true);
    expect(band.some((p) => p.join() === EMOTION_COLORS.happy!.join())).toBe(true);
  });

  it("moves a label that would cover another one", () => {
    const faces = [
      { box: { x: 50, y: 100, width: 60, height: 60 }, emotion: "sad", confidence: 0.5 },
      { box: { x: 70, y: 100, width: 60, height: 60 }, emotion: "angry", confidence: 0.5 },
    ];
    const out = annotate(gray(300, 300), faces, { thickness: 2, fontScale: 2 });
    // The second label goes below its box (y >= 160) instead of over the first label.
    const below = Array.from({ length: 40 }, (_, i) => px(out, 75 + i, 165));
    expect(below.some((p) => p.join() === EMOTION_COLORS.angry!.join())).toBe(true);
  });

  it("formats labels", () => {
    expect(faceLabel({ box: { x: 0, y: 0, width: 1, height: 1 }, emotion: "fear", confidence: 0.456 })).toBe("fear 46%");
    expect(faceLabel({ box: { x: 0, y: 0, width: 1, height: 1 }, emotion: "fear", confidence: 0.456 }, false)).toBe("fear");
  });

  it("saves PNG and JPEG of the image's size", async () => {
    const out = annotate({ width: 123, height: 77, channels: 4, data: new Uint8Array(123 * 77 * 4).fill(200) }, [{ box: { x: 10, y: 10, width: 30, height: 30 }, emotion: "neutral", confidence: 1 }]);
    const png = path.join(work, "a.png");
    const jpg = path.join(work, "a.jpg");
    await saveImageAs(out, png);
    await saveImageAs(out, jpg);
    expect(await sharp(png).metadata()).toMatchObject({ format: "png", width: 123, height: 77 });
    expect(await sharp(jpg).metadata()).toMatchObject({ format: "jpeg", width: 123, height: 77 });
    await expect(saveImageAs(out, path.join(work, "a.gif"))).rejects.toThrow(/\.png, \.jpg/);
  });
});

describe("bitmap font", () => {
  it("draws distinct glyphs with the expected width", () => {
    const ink = (text: string) => {
      const c = new Canvas(40, 10, [255, 255, 255]);
      c.drawText(text, 1, 1, [0, 0, 0], 1);
      return Array.from(c.data.filter((_, i) => i % 3 === 0)).map((v) => (v === 0 ? 1 : 0)).join("");
    };
    expect(textWidth("abc", 1)).toBe(17);
    expect(textWidth("abc", 3)).toBe(51);
    const letters = "abcdefghijklmnopqrstuvwxyz0123456789%";
    const shapes = new Set([...letters].map(ink));
    expect(shapes.size).toBe(letters.length);
    expect(ink(" ")).not.toContain("1");
  });
});
