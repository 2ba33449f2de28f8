/// <reference lib="dom" />
// The browser entry of @fer/preprocess: turns what a page has into fer's `Image`. No Node built-in may be imported here.
import type { Image } from "../image.js";

export * from "../index.js";

/** What {@link imageFromSource} accepts: anything a canvas can draw, an `ImageData`, or fer's own `Image`. */
export type WebImageSource = HTMLImageElement | HTMLCanvasElement | OffscreenCanvas | HTMLVideoElement | ImageBitmap | VideoFrame | ImageData | Image;

/** The pixel size of a drawable source (natural size for an image, video size for a video). */
function sourceSize(source: Exclude<WebImageSource, Image | ImageData>): { width: number; height: number } {
  if (typeof HTMLImageElement !== "undefined" && source instanceof HTMLImageElement) return { width: source.naturalWidth, height: source.naturalHeight };
  if (typeof HTMLVideoElement !== "undefined" && source instanceof HTMLVideoElement) return { width: source.videoWidth, height: source.videoHeight };
  if (typeof VideoFrame !== "undefined" && source instanceof VideoFrame) return { width: source.displayWidth, height: source.displayHeight };
  const s = source as HTMLCanvasElement | OffscreenCanvas | ImageBitmap;
  return { width: s.width, height: s.height };
}

/** Whether this machine stores a Uint32's low byte first (every browser engine does): the fast RGBA path needs it. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** RGBA bytes as fer's Image: RGB (3 channels, as sharp decodes an opaque photo) unless some pixel is transparent. */
export function imageFromRgba(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Image {
  if (rgba.length !== width * height * 4) throw new RangeError(`expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  const n = width * height;
  // Whole pixels as 32-bit words (alpha in the high byte): half the time of byte by byte on a 10-megapixel photo.
  const px = LITTLE_ENDIAN && rgba.byteOffset % 4 === 0 ? new Uint32Array(rgba.buffer, rgba.byteOffset, n) : undefined;
  let opaque = true;
  if (px !== undefined) {
    for (let i = 0; i < n; i++) {
      if (px[i]! < 0xff000000) {
        opaque = false;
        break;
      }
    }
  } else {
    for (let i = 3; i < rgba.length; i += 4) {
      if (rgba[i] !== 255) {
        opaque = false;
        break;
      }
    }
  }
  if (!opaque) return { width, height, channels: 4, data: new Uint8Array(rgba) };
  const rgb = new Uint8Array(n * 3);
  let done = 0;
  if (px !== undefined) {
    // Four RGBA pixels -> three 32-bit words of RGB.
    const quads = n >> 2;
    const out = new Uint32Array(rgb.buffer, 0, quads * 3);
    for (let q = 0, i = 0, k = 0; q < quads; q++, i += 4, k += 3) {
      const p0 = px[i]!;
      const p1 = px[i + 1]!;
      const p2 = px[i + 2]!;
      const p3 = px[i + 3]!;
      out[k] = (p0 & 0xffffff) | (p1 << 24);
      out[k + 1] = ((p1 >>> 8) & 0xffff) | (p2 << 16);
      out[k + 2] = ((p2 >>> 16) & 0xff) | (p3 << 8);
    }
    done = quads * 4;
  }
  for (let i = done * 4, j = done * 3; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i]!;
    rgb[j + 1] = rgba[i + 1]!;
    rgb[j + 2] = rgba[i + 2]!;
  }
  return { width, height, channels: 3, data: rgb };
}

/**
 * fer's `Image` of an `HTMLImageElement`, canvas, video (its current frame), `ImageBitmap`, `VideoFrame` or
 * `ImageData` (an `Image` is returned as it is). Drawn on an sRGB `OffscreenCanvas` and read back.
 * @throws {RangeError} for a source of zero size (an image not loaded yet, a video without a frame).
 */
export function imageFromSource(source: WebImageSource): Image {
  if ("channels" in source && "data" in source) return source;
  if (typeof ImageData !== "undefined" && source instanceof ImageData) return imageFromRgba(source.data, source.width, source.height);
  const { width, height } = sourceSize(source as Exclude<WebImageSource, Image | ImageData>);
  if (!(width > 0 && height > 0)) throw new RangeError(`the image source has no pixels yet (${width}x${height}): wait until it is loaded`);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d", { willReadFrequently: true, colorSpace: "srgb" });
  if (ctx === null) throw new Error("no 2d context on an OffscreenCanvas");
  ctx.drawImage(source as CanvasImageSource, 0, 0);
  return imageFromRgba(ctx.getImageData(0, 0, width, height, { colorSpace: "srgb" }).data, width, height);
}

/**
 * Decodes an image file (a `File` or `Blob`: JPEG, PNG, WebP...) as `decodeImage` does in Node with sharp: EXIF
 * orientation applied, an embedded ICC profile converted to sRGB. Measured: the same pixels as sharp's on the shared
 * JPEGs (README). Also returns the `ImageBitmap` for drawing; close it when done.
 */
export async function decodeBlob(blob: Blob): Promise<{ image: Image; bitmap: ImageBitmap }> {
  const bitmap = await decodeBitmap(blob);
  return { image: imageFromSource(bitmap), bitmap };
}

/**
 * Decodes an image file to an `ImageBitmap` as {@link decodeBlob} does (EXIF orientation and ICC profile applied),
 * without reading its pixels back: `imageFromSource(bitmap)` then gives decodeBlob's image. Close it when done.
 */
export function decodeBitmap(blob: Blob): Promise<ImageBitmap> {
  // colorSpaceConversion "none" would leave an ICC profile unapplied where sharp converts (a box moved 14 px).
  return createImageBitmap(blob, { colorSpaceConversion: "default", imageOrientation: "from-image", premultiplyAlpha: "none" });
}
