/**
 * A decoded raster image with no dependency on any codec: row-major, interleaved channels, 8 bits each.
 * `channels` is 1 (gray), 3 (RGB) or 4 (RGBA). `data.length === width * height * channels`.
 */
export interface Image {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
  readonly data: Uint8Array;
}

/** A single-channel image. */
export interface GrayImage extends Image {
  readonly channels: 1;
}

/** An axis-aligned box in pixel coordinates of some image. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
