import { readFile } from "node:fs/promises";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { decodeBaselineGrayJpeg } from "../src/index.js";
import { ferFiles, ferTest, ferTrain } from "./helpers.js";

/** What sharp (libjpeg) decodes, as one gray channel. */
async function sharpGray(buf: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await sharp(buf).toColourspace("b-w").raw().toBuffer());
}

/** A generated gray test pattern (gradients, edges, noise-like texture) of any size. */
function pattern(w: number, h: number): Buffer {
  const px = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px[y * w + x] = (x * 7 + y * 3 + ((x * y) % 17) * 9 + (x > w / 2 ? 80 : 0)) & 255;
  return px;
}

describe("decodeBaselineGrayJpeg", () => {
  it("is bit-identical to sharp on real FER2013 JPEGs", async () => {
    const files = [...ferFiles(ferTest, 30), ...ferFiles(ferTrain, 30)];
    for (const f of files) {
      const buf = await readFile(f);
      const img = decodeBaselineGrayJpeg(buf);
      expect(img, f).toBeDefined();
      expect([img!.width, img!.height, img!.channels]).toEqual([48, 48, 1]);
      expect(Buffer.compare(Buffer.from(img!.data), Buffer.from(await sharpGray(buf))), f).toBe(0);
    }
  });

  it("is bit-identical on generated sizes that are not multiples of 8 and at any quality", async () => {
    for (const [w, h, quality] of [
      [37, 23, 90],
      [64, 9, 10],
      [1, 1, 75],
      [130, 77, 100],
    ] as const) {
      const buf = await sharp(pattern(w, h), { raw: { width: w, height: h, channels: 1 } }).toColourspace("b-w").jpeg({ quality }).toBuffer();
      const img = decodeBaselineGrayJpeg(buf);
      expect(img, `${w}x${h} q${quality}`).toBeDefined();
      expect(Buffer.compare(Buffer.from(img!.data), Buffer.from(await sharpGray(buf)))).toBe(0);
    }
  });

  it("declines what it does not handle: colour, progressive, EXIF, truncated, trailing garbage, not a JPEG", async () => {
    const raw = { raw: { width: 40, height: 24, channels: 1 as const } };
    const gray = await sharp(pattern(40, 24), raw).toColourspace("b-w").jpeg().toBuffer();
    const cases: Record<string, Uint8Array> = {
      colour: await sharp(pattern(40, 24), raw).toColourspace("srgb").jpeg().toBuffer(),
      progressive: await sharp(pattern(40, 24), raw).toColourspace("b-w").jpeg({ progressive: true }).toBuffer(),
      exif: await sharp(pattern(40, 24), raw).toColourspace("b-w").jpeg().withMetadata({ orientation: 3 }).toBuffer(),
      truncated: gray.subarray(0, gray.length - 40),
      "no EOI": gray.subarray(0, gray.length - 2),
      "stray bytes before EOI": Buffer.concat([gray.subarray(0, gray.length - 2), Buffer.from([1, 2, 3, 0xff, 0xd9])]),
      png: await sharp(pattern(40, 24), raw).png().toBuffer(),
      empty: new Uint8Array(0),
    };
    expect(decodeBaselineGrayJpeg(gray)).toBeDefined();
    for (const [name, buf] of Object.entries(cases)) expect(decodeBaselineGrayJpeg(buf), name).toBeUndefined();
  });
});
