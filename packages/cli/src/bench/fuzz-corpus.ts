/**
 * A deterministic corpus of bad, odd and good image files for the reliability tests (`test/fuzz.test.ts`), the kill
 * test and manual runs: `node dist/bench/fuzz-corpus.js <dir> [--seed N]` writes it and prints its cases as JSON.
 * Same seed, same bytes. Built from the example photos of this package and one FER2013 face of the shared data.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { seededRandom, type FerImageErrorKind } from "@fer/preprocess";
import { examplePhotosDir } from "@fer/pipeline";
import { sharedDir } from "../paths.js";

/** What reading a case must give: an image (`ok`), a typed error of a kind, or either (`ok-or-truncated`, for corrupted bytes). */
export type FuzzExpect = "ok" | "ok-or-truncated" | FerImageErrorKind;

/** One file of the corpus. */
export interface FuzzCase {
  /** File name, relative to the corpus folder. */
  readonly name: string;
  /** What the file is. */
  readonly what: string;
  readonly expect: FuzzExpect;
  /** For EXIF cases: the orientation tag; the decoded image must equal {@link uprightCard}. */
  readonly orientation?: number;
}

/** The 24x16 card every EXIF case shows upright: four quadrants red, green, blue, white (left to right, top to bottom). */
export function uprightCard(): { width: number; height: number; channels: 3; data: Uint8Array } {
  const width = 24;
  const height = 16;
  const colours = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 255],
  ];
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colours[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)]!, (y * width + x) * 3);
  }
  return { width, height, channels: 3, data };
}

/** The stored pixels that EXIF orientation `o` turns into `u` when displayed (the inverse of its display transform). */
function storedFor(u: { width: number; height: number; data: Uint8Array }, o: number): { width: number; height: number; data: Uint8Array } {
  const { width: w, height: h } = u;
  const swap = o >= 5;
  const sw = swap ? h : w;
  const sh = swap ? w : h;
  const data = new Uint8Array(sw * sh * 3);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      // Source pixel of u shown at stored (x, y).
      const [ux, uy] =
        o === 1 ? [x, y]
        : o === 2 ? [w - 1 - x, y]
        : o === 3 ? [w - 1 - x, h - 1 - y]
        : o === 4 ? [x, h - 1 - y]
        : o === 5 ? [y, x]
        : o === 6 ? [w - 1 - y, x]
        : o === 7 ? [w - 1 - y, h - 1 - x]
        : [y, h - 1 - x];
      data.set(u.data.subarray((uy * w + ux) * 3, (uy * w + ux) * 3 + 3), (y * sw + x) * 3);
    }
  }
  return { width: sw, height: sh, data };
}

/** Replaces the size in the first SOF0/SOF1/SOF2 header of a JPEG (a lying header; the data is unchanged). */
export function withJpegSize(jpeg: Uint8Array, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 9 < out.length; ) {
    const marker = out[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
    i += 2 + out.readUInt16BE(i + 2);
  }
  throw new Error("no SOF marker");
}

/** CRC-32 of PNG chunks. */
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** Replaces the size in a PNG's IHDR and fixes its CRC (a valid header announcing a huge image). */
function withPngSize(png: Uint8Array, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

/** Offset of the entropy-coded data of a JPEG (after the first SOS header). */
function scanStart(jpeg: Uint8Array): number {
  for (let i = 2; i + 4 < jpeg.length; ) {
    const len = (jpeg[i + 2]! << 8) | jpeg[i + 3]!;
    if (jpeg[i + 1] === 0xda) return i + 2 + len;
    i += 2 + len;
  }
  return 2;
}

/** Options of {@link generateFuzzCorpus}. */
export interface FuzzCorpusOptions {
  /** Seed of every random choice (default 25). */
  readonly seed?: number;
  /** Also make a FIFO named `.jpg` and a symlink to it (POSIX only; default true). */
  readonly specialFiles?: boolean;
}

/**
 * Writes the corpus into `dir` (created) and returns its cases. Every file has an image extension, so `fer analyze
 * <dir>` and `analyzeBatch([dir])` read them all; `twin/` holds a second `good-photo.jpg` (same output name).
 */
export async function generateFuzzCorpus(dir: string, options: FuzzCorpusOptions = {}): Promise<FuzzCase[]> {
  const rand = seededRandom(options.seed ?? 25);
  await mkdir(path.join(dir, "twin"), { recursive: true });
  const cases: FuzzCase[] = [];
  const put = async (name: string, bytes: Uint8Array | string, what: string, expect: FuzzExpect, extra: Partial<FuzzCase> = {}): Promise<void> => {
    await writeFile(path.join(dir, name), bytes);
    cases.push({ name, what, expect, ...extra });
  };
  const photo = await readFile(path.join(examplePhotosDir(), "apollo11_crew.jpg"));
  const happy = path.join(sharedDir(), "datasets", "fer2013", "train", "happy");
  const gray = await readFile(path.join(happy, readdirSync(happy).sort()[0]!));
  const png = await sharp(photo).resize(160).png().toBuffer();

  // Good files in every format sharp reads here.
  await put("good-photo.jpg", photo, "a colour photo (JPEG)", "ok");
  await put("twin/good-photo.jpg", photo, "the same name in a sub-folder (its output needs another name)", "ok");
  await put("good-gray.jpg", gray, "a FER2013 face (baseline gray JPEG: the fast decoder)", "ok");
  await put("good.png", png, "PNG", "ok");
  await put("good-rgba.png", await sharp(png).ensureAlpha(0.5).png().toBuffer(), "PNG with alpha", "ok");
  await put("good-16bit.png", await sharp(png).toColourspace("rgb16").png().toBuffer(), "16-bit PNG", "ok");
  await put("good.webp", await sharp(png).webp().toBuffer(), "WebP", "ok");
  await put("good.gif", await sharp(png).gif().toBuffer(), "GIF", "ok");
  await put("good.tif", await sharp(png).tiff().toBuffer(), "TIFF", "ok");
  await put("good-progressive.jpg", await sharp(png).jpeg({ progressive: true }).toBuffer(), "progressive JPEG", "ok");
  await put(
    "vector.png",
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="48"><image xlink:href="http://127.0.0.1:9/x.png" width="64" height="48"/><rect width="32" height="24" fill="red"/></svg>',
    "an SVG (named .png) that links an external image: rendered, nothing fetched",
    "ok",
  );
  // EXIF orientations 1-8: each must decode upright.
  const card = uprightCard();
  for (let o = 1; o <= 8; o++) {
    const s = storedFor(card, o);
    const jpeg = await sharp(Buffer.from(s.data), { raw: { width: s.width, height: s.height, channels: 3 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: o })
      .toBuffer();
    await put(`exif-${o}.jpg`, jpeg, `EXIF orientation ${o}`, "ok", { orientation: o });
  }
  // Truncated and corrupt data of known formats.
  for (const f of [0.1, 0.5, 0.9]) {
    await put(`truncated-${Math.round(f * 100)}.jpg`, photo.subarray(0, Math.floor(photo.length * f)), `the photo cut at ${Math.round(f * 100)}%`, "truncated");
  }
  await put("truncated.png", png.subarray(0, Math.floor(png.length / 2)), "a PNG cut in half", "truncated");
  await put("truncated-gray.jpg", gray.subarray(0, Math.floor(gray.length / 2)), "a FER2013 face cut in half", "truncated");
  await put("signature-only.jpg", Uint8Array.from([0xff, 0xd8, 0xff]), "a JPEG signature and nothing else", "truncated");
  await put("signature-only.png", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "a PNG signature and nothing else", "truncated");
  const start = scanStart(photo);
  for (let k = 1; k <= 4; k++) {
    const bad = Buffer.from(photo);
    for (let j = 0; j < 8 * k; j++) bad[start + Math.floor(rand() * (bad.length - start - 2))] = Math.floor(rand() * 256);
    await put(`flipped-${k}.jpg`, bad, `the photo with ${8 * k} random bytes of its compressed data changed`, "ok-or-truncated");
  }
  // Not images.
  await put("empty.jpg", new Uint8Array(0), "zero bytes", "empty-file");
  await put("text.jpg", "this is plain text, not an image at all\n", "a text file named .jpg", "not-an-image");
  for (let k = 1; k <= 3; k++) {
    const noise = new Uint8Array(64 + Math.floor(rand() * 4000));
    for (let j = 0; j < noise.length; j++) noise[j] = Math.floor(rand() * 256);
    noise[0] = 0x00; // not by chance a signature
    await put(`noise-${k}.jpg`, noise, `${noise.length} random bytes`, "not-an-image");
  }
  await put("document.jpg", "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", "a PDF named .jpg", "not-an-image");
  // Headers announcing huge images (a few KB each).
  await put("huge-gray-65535.jpg", withJpegSize(gray, 65535, 65535), "a FER2013 face whose header says 65535x65535 (4.3 gigapixels)", "too-large");
  await put("huge-gray-16000.jpg", withJpegSize(gray, 16000, 16000), "a FER2013 face whose header says 16000x16000 (under the limit, data far too short)", "truncated");
  await put("huge-colour-60000.jpg", withJpegSize(photo, 60000, 60000), "the photo's header says 60000x60000", "too-large");
  await put("huge-100000.png", withPngSize(png, 100000, 100000), "a PNG whose IHDR says 100000x100000 (valid CRC)", "too-large");
  // Special files and links.
  await symlink("good-photo.jpg", path.join(dir, "link-to-photo.jpg"));
  cases.push({ name: "link-to-photo.jpg", what: "a symlink to a photo", expect: "ok" });
  await symlink("does-not-exist.jpg", path.join(dir, "dangling-link.jpg"));
  cases.push({ name: "dangling-link.jpg", what: "a symlink to nothing", expect: "unreadable-file" });
  if (options.specialFiles ?? true) {
    execFileSync("mkfifo", [path.join(dir, "fifo.jpg")]);
    cases.push({ name: "fifo.jpg", what: "a FIFO named .jpg (hung `fer analyze` forever)", expect: "not-a-file" });
    await symlink("fifo.jpg", path.join(dir, "link-to-fifo.jpg"));
    cases.push({ name: "link-to-fifo.jpg", what: "a symlink to the FIFO", expect: "not-a-file" });
  }
  return cases.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, flag, seed] = process.argv.slice(2);
  if (dir === undefined) {
    process.stderr.write("usage: node dist/bench/fuzz-corpus.js <dir> [--seed N]\n");
    process.exit(2);
  }
  const cases = await generateFuzzCorpus(dir, flag === "--seed" ? { seed: Number(seed) } : {});
  process.stdout.write(`${JSON.stringify(cases, null, 2)}\n`);
}
