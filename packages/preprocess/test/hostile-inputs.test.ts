import { execFileSync } from "node:child_process";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeBaselineGrayJpeg,
  decodeImage,
  DEFAULT_MAX_PIXELS,
  FerImageError,
  loadFolderDataset,
  readImageFile,
  saveImage,
  writeFileAtomic,
  type Image,
} from "../src/node/index.js";
import { ferFiles, ferTest } from "./helpers.js";

let dir: string;
let gray: Buffer; // a real FER2013 baseline gray JPEG (48x48)
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "fer-hostile-"));
  gray = await readFile(ferFiles(ferTest, 1)[0]!);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The same JPEG with the size in its SOF0 header replaced (the data stays 48x48: a lying header). */
function withSofSize(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i < out.length - 9; ) {
    const marker = out[i + 1]!;
    if (marker === 0xc0 || marker === 0xc1) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
    i += 2 + out.readUInt16BE(i + 2);
  }
  throw new Error("no SOF0 marker");
}

async function errorOf(p: Promise<unknown>): Promise<FerImageError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FerImageError);
  return e as FerImageError;
}

describe("one pixel limit, from the header, on every decode path", () => {
  it("refuses a 1 KB gray JPEG claiming 65535x65535 before allocating (it took 334 s and 4.4 GB)", async () => {
    const file = path.join(dir, "huge-header.jpg");
    await writeFile(file, withSofSize(gray, 65535, 65535));
    const started = performance.now();
    const e = await errorOf(decodeImage(file));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(e.kind).toBe("too-large");
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/65535x65535 = 4,294,836,225 pixels, over the limit of 268,402,689/);
    // The fast decoder itself refuses it with the same typed error.
    expect(() => decodeBaselineGrayJpeg(withSofSize(gray, 65535, 65535))).toThrow(FerImageError);
  });

  it("refuses a header under the limit whose data cannot fill it, without decoding 256 megapixels (it took 20 s)", async () => {
    const started = performance.now();
    expect(decodeBaselineGrayJpeg(withSofSize(gray, 16000, 16000))).toBeUndefined();
    const e = await errorOf(decodeImage(withSofSize(gray, 16000, 16000), { file: "claims-16000.jpg" }));
    expect(e.kind).toBe("truncated");
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("takes the limit as an option (fast path and sharp path alike) and from FER_MAX_PIXELS", async () => {
    expect(DEFAULT_MAX_PIXELS).toBe(268_402_689);
    expect((await errorOf(decodeImage(gray, { maxPixels: 48 * 48 - 1 }))).kind).toBe("too-large");
    expect((await decodeImage(gray, { maxPixels: 48 * 48 })).width).toBe(48);
    const png = await sharp(gray).png().toBuffer();
    const e = await errorOf(decodeImage(png, { maxPixels: 100, file: "small-limit.png" }));
    expect(e.kind).toBe("too-large");
    expect(e.message).toMatch(/small-limit\.png: too large \(48x48 = 2,304 pixels, over the limit of 100/);
    process.env.FER_MAX_PIXELS = "1000";
    try {
      expect((await errorOf(decodeImage(png))).kind).toBe("too-large");
    } finally {
      delete process.env.FER_MAX_PIXELS;
    }
  });
});

describe("only regular files are read, and at most maxBytes", () => {
  it("refuses a FIFO without blocking, /dev/zero without reading it, and a folder", async () => {
    const fifo = path.join(dir, "pipe.jpg");
    execFileSync("mkfifo", [fifo]);
    const e = await errorOf(decodeImage(fifo));
    expect(e.kind).toBe("not-a-file");
    expect(e.message).toBe(`${fifo}: not a regular file (a FIFO (named pipe); nothing was read: give an image file)`);
    expect((await errorOf(readImageFile("/dev/zero"))).message).toMatch(/^\/dev\/zero: not a regular file \(a character device/);
    expect((await errorOf(decodeImage(dir))).kind).toBe("not-a-file");
  });

  it("refuses a file over the maximum input size", async () => {
    const e = await errorOf(readImageFile(ferFiles(ferTest, 1)[0]!, { maxBytes: 100 }));
    expect(e.kind).toBe("too-large");
    expect(e.message).toMatch(/over the maximum input size of 100 bytes/);
    expect((await readImageFile(ferFiles(ferTest, 1)[0]!, { maxBytes: gray.length })).length).toBe(gray.length);
  });

  it("lists a FIFO in a dataset folder as a problem instead of hanging the load", async () => {
    const root = path.join(dir, "dataset");
    await mkdir(path.join(root, "happy"), { recursive: true });
    await writeFile(path.join(root, "happy", "a.jpg"), gray);
    execFileSync("mkfifo", [path.join(root, "happy", "b.jpg")]);
    const { dataset, problems } = await loadFolderDataset(root, { cache: false });
    expect(dataset.count).toBe(1);
    expect(problems.map((p) => [path.basename(p.file), p.error.kind])).toEqual([["b.jpg", "not-a-file"]]);
  });
});

describe("formats sharp cannot read here", () => {
  it("reports a PDF as not an image, not as truncated", async () => {
    const pdf = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    const e = await errorOf(decodeImage(pdf, { file: "scan.pdf" }));
    expect(e.kind).toBe("not-an-image");
    expect(e.message).toBe("scan.pdf: not an image (unsupported or unknown format) (a PDF file, which this decoder does not read: convert it to JPEG or PNG)");
  });
});

describe("writeFileAtomic / saveImage", () => {
  const img: Image = { width: 2, height: 1, channels: 3, data: Uint8Array.from([0, 10, 20, 255, 128, 1]) };

  it("replaces a symlink at the target instead of writing through it", async () => {
    const outside = path.join(dir, "outside.txt");
    await writeFile(outside, "keep me");
    const out = path.join(dir, "out");
    await mkdir(out, { recursive: true });
    await symlink(outside, path.join(out, "a.png"));
    await saveImage(img, path.join(out, "a.png"));
    await symlink(outside, path.join(out, "b.txt"));
    await writeFileAtomic(path.join(out, "b.txt"), "new");
    expect(await readFile(outside, "utf8")).toBe("keep me");
    expect((await lstat(path.join(out, "a.png"))).isFile()).toBe(true);
    expect((await decodeImage(path.join(out, "a.png"))).data).toEqual(img.data);
    expect(await readFile(path.join(out, "b.txt"), "utf8")).toBe("new");
    expect(await readdir(out)).toEqual(["a.png", "b.txt"]); // no temporary left
  });

  it("leaves the old file whole and no temporary when the write fails", async () => {
    const out = path.join(dir, "fail");
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, "keep.txt"), "old");
    // A folder at the final name makes the rename fail after the data was written.
    await mkdir(path.join(out, "dir.txt"));
    await expect(writeFileAtomic(path.join(out, "dir.txt"), "x")).rejects.toThrow();
    expect((await readdir(out)).sort()).toEqual(["dir.txt", "keep.txt"]);
    expect(await readlink(path.join(out, "keep.txt")).catch(() => "not a link")).toBe("not a link");
  });
});
