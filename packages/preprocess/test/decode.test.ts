import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeImage, encodeImage, FerImageError, isEightBitGraySource, saveImage, type Image } from "../src/node/index.js";
import { ferFiles, ferTest, sharedRoot } from "./helpers.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "fer-decode-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A 20x10 RGB test card: left half red, right half blue. */
function card(): Image {
  const data = new Uint8Array(20 * 10 * 3);
  for (let y = 0; y < 10; y++) for (let x = 0; x < 20; x++) data.set(x < 10 ? [255, 0, 0] : [0, 0, 255], (y * 20 + x) * 3);
  return { width: 20, height: 10, channels: 3, data };
}

async function expectImageError(p: Promise<unknown>, kind: string, file: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FerImageError);
  expect((err as FerImageError).kind).toBe(kind);
  expect((err as FerImageError).file).toBe(file);
  expect((err as FerImageError).message).toContain(file);
}

describe("decodeImage", () => {
  it("decodes FER2013 JPEGs as one gray channel, identical to libvips' own gray output", async () => {
    for (const f of ferFiles(ferTest, 2)) {
      const buf = await readFile(f);
      expect(isEightBitGraySource(buf)).toBe(true);
      const img = await decodeImage(f);
      expect([img.width, img.height, img.channels]).toEqual([48, 48, 1]);
      const rgb = await sharp(buf).raw().toBuffer();
      for (let i = 0; i < 2304; i++) expect(img.data[i]).toBe(rgb[i * 3]);
    }
  });

  it("decodes a real colour photo as RGB", async () => {
    const img = await decodeImage(path.join(sharedRoot, "photos/classroom_tanzania.jpg"));
    expect(img.channels).toBe(3);
    expect(img.data.length).toBe(img.width * img.height * 3);
  });

  it("reads PNG (with alpha, gray+alpha, 16-bit), WebP, TIFF and GIF", async () => {
    const c = card();
    const raw = { raw: { width: 20, height: 10, channels: 3 as const } };
    const rgba = await decodeImage(await sharp(Buffer.from(c.data), raw).ensureAlpha(0.5).png().toBuffer());
    expect([rgba.channels, rgba.data[0]]).toEqual([4, 255]);
    expect(Math.abs(rgba.data[3]! - 128)).toBeLessThanOrEqual(1); // alpha 0.5
    const ga = await decodeImage(await sharp(Buffer.from(c.data), raw).greyscale().ensureAlpha(1).png().toBuffer());
    expect(ga.channels).toBe(4);
    const png16 = await sharp(Buffer.from(c.data), raw).toColourspace("rgb16").png().toBuffer();
    const d16 = await decodeImage(png16);
    expect([d16.channels, d16.data[0], d16.data[1], d16.data[2]]).toEqual([3, 255, 0, 0]);
    for (const fmt of ["webp", "tiff", "gif"] as const) {
      const buf = await sharp(Buffer.from(c.data), raw)[fmt](fmt === "webp" ? { lossless: true } : {}).toBuffer();
      const img = await decodeImage(buf);
      expect([img.width, img.height]).toEqual([20, 10]);
      expect(img.data[0]).toBeGreaterThan(200); // red stays red
    }
  });

  it("applies the EXIF orientation", async () => {
    const c = card();
    const jpeg = await sharp(Buffer.from(c.data), { raw: { width: 20, height: 10, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 }) // stored image must be rotated 90° clockwise for display
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const img = await decodeImage(jpeg);
    expect([img.width, img.height]).toEqual([10, 20]);
    // After a 90° clockwise turn, the red (left) half is on top.
    expect(img.data[0]).toBeGreaterThan(200);
    expect(img.data[(19 * 10) * 3 + 2]).toBeGreaterThan(200);
  });

  it("gives typed errors naming the file and the cause", async () => {
    const good = await readFile(ferFiles(ferTest, 1)[0]!);
    const png = await sharp(good).png().toBuffer();
    const cases: Array<[string, Uint8Array, string]> = [
      ["empty.jpg", new Uint8Array(0), "empty-file"],
      ["text.jpg", Buffer.from("this is plain text, not an image at all"), "not-an-image"],
      ["truncated.jpg", good.subarray(0, Math.floor(good.length / 2)), "truncated"],
      ["truncated.png", png.subarray(0, png.length - 40), "truncated"],
    ];
    for (const [name, bytes, kind] of cases) {
      const file = path.join(dir, name);
      await writeFile(file, bytes);
      await expectImageError(decodeImage(file), kind, file);
    }
    await expectImageError(decodeImage(path.join(dir, "missing.png")), "unreadable-file", path.join(dir, "missing.png"));
    await expectImageError(decodeImage(dir), "not-a-file", dir);
    await expectImageError(decodeImage(Buffer.from("nope"), { file: "upload-1" }), "not-an-image", "upload-1");
  });
});

describe("error kinds under concurrency", () => {
  it("stay right when many bad files fail at once (libvips mixes concurrent error messages)", async () => {
    const good = await readFile(ferFiles(ferTest, 1)[0]!);
    const png = await sharp(good).png().toBuffer();
    const bad: Array<[Uint8Array, string]> = [
      [good.subarray(0, 300), "truncated"],
      [Buffer.from("not a png"), "not-an-image"],
      [png.subarray(0, png.length - 40), "truncated"],
    ];
    const kinds = await Promise.all(
      Array.from({ length: 90 }, (_, k) =>
        decodeImage(bad[k % 3]![0], { file: `f${k}` }).then(
          () => "decoded",
          (e: FerImageError) => e.kind,
        ),
      ),
    );
    expect(kinds).toEqual(Array.from({ length: 90 }, (_, k) => bad[k % 3]![1]));
  });
});

describe("encodeImage / saveImage", () => {
  it("round-trips through PNG losslessly and JPEG closely", async () => {
    const c = card();
    expect(Array.from((await decodeImage(await encodeImage(c, "png"))).data)).toEqual(Array.from(c.data));
    const j = await decodeImage(await encodeImage(c, "jpeg", { quality: 95 }));
    expect(Math.abs(j.data[0]! - 255)).toBeLessThan(8);
    const file = path.join(dir, "out.png");
    await saveImage(c, file);
    expect(Array.from((await decodeImage(file)).data)).toEqual(Array.from(c.data));
  });
});
