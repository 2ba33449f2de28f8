import { readFile } from "node:fs/promises";
import sharp, { type OutputInfo } from "sharp";
import { FerImageError, type FerImageErrorKind } from "../errors.js";
import type { Image } from "../image.js";
import { decodeBaselineGrayJpeg } from "../jpeg-gray.js";

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /** Name used in error messages when the input is a buffer (default `"<buffer>"`). */
  file?: string;
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
  if (sniffImageFormat(buf) === undefined) return "not-an-image";
  if (/too large|pixel limit|exceeds/i.test(message)) return "bad-geometry";
  return "truncated";
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

/** Reads a file into memory, turning fs errors into a {@link FerImageError} (`unreadable-file`, `empty-file`). */
export async function readImageFile(file: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    throw new FerImageError("unreadable-file", file, code || String(err), { cause: err });
  }
  if (buf.length === 0) throw new FerImageError("empty-file", file);
  return buf;
}

/**
 * Decodes the bytes of any format sharp (libvips) reads — JPEG, PNG, WebP, GIF (first frame), AVIF/HEIF, TIFF, SVG...
 * — into an {@link Image}, with the EXIF orientation applied. 16-bit inputs are reduced to 8 bits; gray+alpha
 * comes out as RGBA. Single-channel (gray) JPEG/PNG come out with `channels: 1`. Baseline grayscale JPEGs
 * without EXIF/ICC data (such as all of FER2013) take a pure-TypeScript path ({@link decodeBaselineGrayJpeg})
 * that is bit-identical to libjpeg's output and several times faster than a sharp call.
 * Bad input throws a {@link FerImageError} naming the file and the cause.
 */
export async function decodeImage(input: string | Buffer | Uint8Array, options: DecodeOptions = {}): Promise<Image> {
  const file = typeof input === "string" ? input : (options.file ?? "<buffer>");
  const buf = typeof input === "string" ? await readImageFile(input) : input;
  if (buf.length === 0) throw new FerImageError("empty-file", file);
  // Fast path: baseline 8-bit grayscale JPEG without EXIF/ICC (all of FER2013), bit-identical to sharp's output.
  if (buf[0] === 0xff && buf[1] === 0xd8) {
    const fast = decodeBaselineGrayJpeg(buf);
    if (fast) return fast;
  }
  let data: Buffer;
  let info: OutputInfo;
  try {
    let pipeline = sharp(buf, { failOn: "warning" }).autoOrient();
    // A one-channel 8-bit source stays one channel (no gray -> sRGB -> gray round trip).
    if (isEightBitGraySource(buf)) pipeline = pipeline.toColourspace("b-w");
    ({ data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new FerImageError(classifyDecodeError(buf, message), file, message.split("\n")[0], { cause: err });
  }
  return rawToImage(data, info.width, info.height, info.channels, file);
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

/** Writes an {@link Image} to `path`; the format follows the extension (.png, .jpg/.jpeg, .webp, .tif...). */
export async function saveImage(img: Image, path: string): Promise<void> {
  await sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } }).toFile(path);
}
