/**
 * The input limits of every decode path (browser-safe constants; `@fer/preprocess/node` reads the environment).
 */

/** Largest width x height decoded: sharp's own default (0x3FFF x 0x3FFF), applied to every decoder from the header. */
export const DEFAULT_MAX_PIXELS = 268_402_689;

/** Largest file read as an image, in bytes (256 MiB). */
export const DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** The detail of a `too-large` error for an image of `width` x `height` over `maxPixels`. */
export function pixelLimitDetail(width: number, height: number, maxPixels: number): string {
  return (
    `${width}x${height} = ${(width * height).toLocaleString("en-US")} pixels, over the limit of ${maxPixels.toLocaleString("en-US")}; ` +
    "raise it (the maxPixels option, or FER_MAX_PIXELS) only for a file you trust"
  );
}
