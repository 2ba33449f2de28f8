import { constants, type Stats } from "node:fs";
import { open, stat } from "node:fs/promises";
import sharp, { type FormatEnum, type OutputInfo } from "sharp";
import { FerImageError, type FerImageErrorKind } from "../errors.js";
import type { Image } from "../image.js";
import { decodeBaselineGrayJpeg } from "../jpeg-gray.js";
import { writeFileAtomic } from "./atomic-write.js";
import { DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_PIXELS, pixelLimitDetail } from "../limits.js";

/** The input limits: the largest image (pixels) and the largest file (bytes) read. */
export interface InputLimits {
  /**
   * Largest width x height decoded, checked from the header before any decoder allocates pixels (every path: the
   * fast gray JPEG decoder and sharp). Default: `FER_MAX_PIXELS`, else sharp's default 268,402,689 ({@link DEFAULT_MAX_PIXELS}).
   */
  maxPixels?: number;
  /** Largest file read, in bytes. Default: `FER_MAX_INPUT_BYTES`, else 256 MiB ({@link DEFAULT_MAX_INPUT_BYTES}). */
  maxBytes?: number;
}

/** Options of {@link decodeImage}. */
export interface DecodeOptions extends InputLimits {
  /** Name used in error messages when the input is a buffer (default `"<buffer>"`). */
  file?: string;
}

function limitFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** The limits in force: the options given, else `FER_MAX_PIXELS` / `FER_MAX_INPUT_BYTES`, else the defaults. */
export function resolveInputLimits(options: InputLimits = {}): Required<InputLimits> {
  const maxPixels = options.maxPixels ?? limitFromEnv("FER_MAX_PIXELS", DEFAULT_MAX_PIXELS);
  const maxBytes = options.maxBytes ?? limitFromEnv("FER_MAX_INPUT_BYTES", DEFAULT_MAX_INPUT_BYTES);
  for (const [name, v] of [["maxPixels", maxPixels], ["maxBytes", maxBytes]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${String(v)}`);
  }
  return { maxPixels, maxBytes };
}

/**
 * The image format the first bytes announce (`jpeg`, `png`, `gif`, `webp`, `tiff`, `heif` (incl. AVIF), `jp2`,
 * `jxl`, `svg`, `pdf`, `pnm`, `fits`), or undefined when they match none.
 */
export function sniffImageFormat(buf: Uint8Array): string | undefined {
  const b = (i: number): number => buf[i] ?? -1;
  const ascii = (from: number, to: number): string => String.fromCharCode(...buf.subarray(from, to));
  if (b(0) === 0xff && b(1) === 0xd8) return "jpeg";
  if (b(0) === 0x89 && ascii(1, 4) === "PNG") return "png";
  if (ascii(0, 4) === "GIF8") return "gif";
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "webp";
  if ((b(0) === 0x49 && b(1) === 0x49 && b(2) === 42 && b(3) === 0) || (b(0) === 0x4d && b(1) === 0x4d && b(2) === 0 && b(3) === 42)) return "tiff";
  if (ascii(4, 8) === "ftyp") return "heif";
  if (b(0) === 0 && b(1) === 0 && b(2) === 0 && b(3) === 0x0c && ascii(4, 8) === "jP  ") return "jp2";
  if ((b(0) === 0xff && b(1) === 0x0a) || (b(0) === 0 && ascii(4, 8) === "JXL ")) return "jxl";
  if (ascii(0, 5) === "%PDF-") return "pdf";
  if (b(0) === 0x50 && b(1) >= 0x31 && b(1) <= 0x37 && (b(2) === 0x0a || b(2) === 0x20 || b(2) === 0x0d)) return "pnm";
  if (ascii(0, 6) === "SIMPLE") return "fits";
  const head = new TextDecoder().decode(buf.subarray(0, 1024)).trimStart().replace(/^\uFEFF/, "");
  if (head.startsWith("<") && /<svg[\s>]/i.test(head)) return "svg";
  return undefined;
}

/**
 * Classifies a failed decode. Bytes in no known image format are `not-an-image`; a known format that fails to
 * decode is `truncated` (truncated or corrupt data). The decision uses the bytes, not libvips' message, because
 * libvips' error buffer is shared between threads and concurrent failures can mix their messages.
 */
export function classifyDecodeError(buf: Uint8Array, message: string): FerImageErrorKind {
  if (buf.length === 0) return "empty-file";
  const format = sniffImageFormat(buf);
  if (format === undefined || !canDecodeFormat(format)) return "not-an-image";
  if (/pixel limit/i.test(message)) return "too-large";
  if (/too large|exceeds/i.test(message)) return "bad-geometry";
  return "truncated";
}

/** sharp's name of each format {@link sniffImageFormat} names, where they differ. */
const SHARP_FORMAT: Record<string, string> = { jp2: "jp2k", pnm: "ppm" };

/** Whether this installation's sharp (libvips) reads a format {@link sniffImageFormat} names (PDF, JPEG 2000, JPEG XL... usually not). */
export function canDecodeFormat(format: string): boolean {
  const info = (sharp.format as unknown as Record<string, { input?: { buffer?: boolean } } | undefined>)[SHARP_FORMAT[format] ?? format];
  return info?.input?.buffer === true;
}

/**
 * Whether the bytes are an 8-bit single-channel JPEG (one component in the SOF header) or PNG (colour type 0,
 * bit depth 8), found by reading the header only. Other inputs (and unknown formats) return false.
 */
export function isEightBitGraySource(buf: Uint8Array): boolean {
  // PNG: signature, then IHDR with bit depth at byte 24 and colour type at byte 25.
  if (buf.length > 26 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47) {
    return buf[24] === 8 && buf[25] === 0;
  }
  // JPEG: walk the marker segments to the first SOFn; byte 9 of the segment is the component count.
  if (buf.length > 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    let i = 2;
    while (i + 9 < buf.length) {
      if (buf[i] !== 0xff) return false;
      const marker = buf[i + 1]!;
      if (marker === 0xff) {
        i++;
        continue;
      }
      const len = (buf[i + 2]! << 8) | buf[i + 3]!;
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return buf[i + 4] === 8 && buf[i + 9] === 1;
      if (marker === 0xda || marker === 0xd9) return false;
      i += 2 + len;
    }
  }
  return false;
}

/** What a path that is not a regular file is, in words. */
function describeSpecialFile(st: Stats): string {
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

function notAFile(file: string, st: Stats): FerImageError {
  return new FerImageError("not-a-file", file, `${describeSpecialFile(st)}; nothing was read: give an image file`);
}

function tooManyBytes(file: string, size: number, maxBytes: number): FerImageError {
  return new FerImageError(
    "too-large",
    file,
    `${size.toLocaleString("en-US")} bytes${size > maxBytes ? "" : " or more"}, over the maximum input size of ${maxBytes.toLocaleString("en-US")} bytes; raise it (the maxBytes option, or FER_MAX_INPUT_BYTES) only for a file you trust`,
  );
}

/**
 * Reads an image file into memory. Only a regular file is read (a symlink to one is fine): a folder, FIFO, device or
 * socket is refused without reading from it (`not-a-file`; a FIFO is opened non-blocking, so this never hangs), and
 * at most `maxBytes` are read (`too-large`). fs errors become `unreadable-file`, zero bytes `empty-file`.
 * @throws {FerImageError}
 */
export async function readImageFile(file: string, options: InputLimits = {}): Promise<Buffer> {
  const { maxBytes } = resolveInputLimits(options);
  const unreadable = (err: unknown): FerImageError =>
    new FerImageError("unreadable-file", file, (err as NodeJS.ErrnoException).code || String(err), { cause: err });
  let st: Stats;
  try {
    st = await stat(file);
  } catch (err) {
    throw unreadable(err);
  }
  if (!st.isFile()) throw notAFile(file, st);
  if (st.size > maxBytes) throw tooManyBytes(file, st.size, maxBytes);
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw unreadable(err);
  }
  try {
    const st2 = await handle.stat();
    if (!st2.isFile()) throw notAFile(file, st2); // replaced between the two looks
    // Read until end of file, never more than maxBytes + 1 (a file that grows is caught too).
    const chunks: Buffer[] = [];
    let total = 0;
    let chunk = Buffer.allocUnsafe(Math.min(Math.max(st2.size, 1) + 1, maxBytes + 1));
    for (;;) {
      const wanted = Math.min(chunk.length, maxBytes + 1 - total);
      const { bytesRead } = await handle.read(chunk, 0, wanted, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooManyBytes(file, total, maxBytes);
      // A short read is usually the end: check it with a small buffer; a file still growing gets 1 MiB reads.
      chunk = Buffer.allocUnsafe(Math.min(bytesRead < wanted ? 4096 : 1 << 20, maxBytes + 1 - total));
    }
    if (total === 0) throw new FerImageError("empty-file", file);
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
  } catch (err) {
    throw err instanceof FerImageError ? err : unreadable(err);
  } finally {
    await handle.close();
  }
}

/**
 * Decodes the bytes of any format sharp (libvips) reads — JPEG, PNG, WebP, GIF (first frame), AVIF/HEIF, TIFF, SVG...
 * — into an {@link Image}, with the EXIF orientation applied. 16-bit inputs are reduced to 8 bits; gray+alpha
 * comes out as RGBA. Single-channel (gray) JPEG/PNG come out with `channels: 1`. Baseline grayscale JPEGs
 * without EXIF/ICC data (such as all of FER2013) take a pure-TypeScript path ({@link decodeBaselineGrayJpeg})
 * that is bit-identical to libjpeg's output and several times faster than a sharp call.
 * Bad input throws a {@link FerImageError} naming the file and the cause. One pixel limit (`maxPixels`) applies to
 * every path, from the header, before any pixel is allocated; a file path reads only regular files of at most
 * `maxBytes` (see {@link readImageFile}).
 */
export async function decodeImage(input: string | Buffer | Uint8Array, options: DecodeOptions = {}): Promise<Image> {
  const file = typeof input === "string" ? input : (options.file ?? "<buffer>");
  const { maxPixels, maxBytes } = resolveInputLimits(options);
  const buf = typeof input === "string" ? await readImageFile(input, { maxBytes }) : input;
  if (buf.length === 0) throw new FerImageError("empty-file", file);
  // Fast path: baseline 8-bit grayscale JPEG without EXIF/ICC (all of FER2013), bit-identical to sharp's output.
  if (buf[0] === 0xff && buf[1] === 0xd8) {
    const fast = decodeBaselineGrayJpeg(buf, { maxPixels, file });
    if (fast) return fast;
  }
  let data: Buffer;
  let info: OutputInfo;
  try {
    let pipeline = sharp(buf, { failOn: "warning", limitInputPixels: maxPixels }).autoOrient();
    // A one-channel 8-bit source stays one channel (no gray -> sRGB -> gray round trip).
    if (isEightBitGraySource(buf)) pipeline = pipeline.toColourspace("b-w");
    ({ data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const kind = classifyDecodeError(buf, message);
    throw new FerImageError(kind, file, await decodeErrorDetail(buf, kind, message, maxPixels), { cause: err });
  }
  return rawToImage(data, info.width, info.height, info.channels, file);
}

/** The detail of a decode error: the pixel count for `too-large`, the format for `not-an-image`, else libvips' first line. */
async function decodeErrorDetail(buf: Uint8Array, kind: FerImageErrorKind, message: string, maxPixels: number): Promise<string> {
  const format = sniffImageFormat(buf);
  if (kind === "not-an-image" && format !== undefined) return `a ${format.toUpperCase()} file, which this decoder does not read: convert it to JPEG or PNG`;
  if (kind === "too-large") {
    const meta = await sharp(buf, { limitInputPixels: false }).metadata().catch(() => undefined);
    if (meta?.width !== undefined && meta.height !== undefined) return pixelLimitDetail(meta.width, meta.height, maxPixels);
  }
  return message.split("\n")[0] ?? message;
}

/** Wraps raw interleaved 8-bit pixels from sharp as an {@link Image} (2-channel gray+alpha becomes RGBA). */
export function rawToImage(data: Uint8Array, width: number, height: number, channels: number, file = "<buffer>"): Image {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (channels === 1 || channels === 3 || channels === 4) return { width, height, channels, data: bytes };
  if (channels === 2) {
    const out = new Uint8Array(width * height * 4);
    for (let i = 0, j = 0; j < out.length; i += 2, j += 4) {
      out[j] = out[j + 1] = out[j + 2] = bytes[i]!;
      out[j + 3] = bytes[i + 1]!;
    }
    return { width, height, channels: 4, data: out };
  }
  throw new FerImageError("bad-geometry", file, `${channels} channels`);
}

/** Encodes an {@link Image} as PNG or JPEG (quality 1-100, default 90). */
export async function encodeImage(img: Image, format: "png" | "jpeg", options: { quality?: number } = {}): Promise<Buffer> {
  const s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } });
  return format === "png" ? s.png().toBuffer() : s.jpeg({ quality: options.quality ?? 90 }).toBuffer();
}

/** sharp's output format for each file extension {@link saveImage} writes. */
const FORMAT_OF_EXTENSION: Record<string, keyof FormatEnum & string> = {
  ".png": "png",
  ".jpg": "jpeg",
  ".jpeg": "jpeg",
  ".webp": "webp",
  ".tif": "tiff",
  ".tiff": "tiff",
  ".avif": "heif",
  ".gif": "gif",
};

/**
 * Writes an {@link Image} to `path`, atomically (see {@link writeFileAtomic}: complete or absent, a symlink at `path`
 * is replaced, not followed); the format follows the extension (.png, .jpg/.jpeg, .webp, .tif, .avif, .gif).
 */
export async function saveImage(img: Image, path: string): Promise<void> {
  const dot = path.lastIndexOf(".");
  const format = FORMAT_OF_EXTENSION[dot < 0 ? "" : path.slice(dot).toLowerCase()];
  if (format === undefined) throw new RangeError(`saveImage: cannot tell the image format of ${path} (use .png, .jpg, .webp, .tif, .avif or .gif)`);
  const s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } });
  await writeFileAtomic(path, await s.toFormat(format).toBuffer());
}
