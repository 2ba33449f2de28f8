import type { Image } from "@fer/preprocess";
import { glyph, GLYPH_HEIGHT, GLYPH_SPACING, GLYPH_WIDTH } from "./font.js";

/** An RGB colour, 0-255 per channel. */
export type Rgb = readonly [number, number, number];

/**
 * A mutable RGB raster for drawing boxes, text and charts. Everything is clipped to the canvas, so shapes may lie
 * partly outside it.
 */
export class Canvas {
  readonly width: number;
  readonly height: number;
  /** Interleaved RGB bytes, row-major. */
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Rgb = [255, 255, 255]) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`canvas size must be positive integers, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 3);
    for (let i = 0; i < this.data.length; i += 3) {
      this.data[i] = background[0];
      this.data[i + 1] = background[1];
      this.data[i + 2] = background[2];
    }
  }

  /** A canvas holding an RGB copy of `img` (gray is replicated, alpha is dropped). */
  static fromImage(img: Image): Canvas {
    const c = new Canvas(img.width, img.height);
    const n = img.width * img.height;
    const ch = img.channels;
    const src = img.data;
    const dst = c.data;
    if (ch === 3) dst.set(src.subarray(0, n * 3));
    else {
      for (let p = 0; p < n; p++) {
        const s = p * ch;
        const d = p * 3;
        if (ch === 1) {
          dst[d] = dst[d + 1] = dst[d + 2] = src[s]!;
        } else {
          dst[d] = src[s]!;
          dst[d + 1] = src[s + 1]!;
          dst[d + 2] = src[s + 2]!;
        }
      }
    }
    return c;
  }

  /** The canvas as a 3-channel {@link Image} (shares the pixel buffer). */
  toImage(): Image {
    return { width: this.width, height: this.height, channels: 3, data: this.data };
  }

  /** Fills the rectangle `[x, x+w) x [y, y+h)` (clipped), optionally blended with `alpha` in 0..1. */
  fillRect(x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    const a = Math.min(1, Math.max(0, alpha));
    for (let yy = y0; yy < y1; yy++) {
      let o = (yy * this.width + x0) * 3;
      for (let xx = x0; xx < x1; xx++, o += 3) {
        if (a >= 1) {
          this.data[o] = color[0];
          this.data[o + 1] = color[1];
          this.data[o + 2] = color[2];
        } else {
          this.data[o] = Math.round(this.data[o]! * (1 - a) + color[0] * a);
          this.data[o + 1] = Math.round(this.data[o + 1]! * (1 - a) + color[1] * a);
          this.data[o + 2] = Math.round(this.data[o + 2]! * (1 - a) + color[2] * a);
        }
      }
    }
  }

  /** Draws the outline of a rectangle with lines `thickness` px wide, inside the rectangle's bounds. */
  strokeRect(x: number, y: number, w: number, h: number, color: Rgb, thickness = 1): void {
    const t = Math.max(1, Math.round(thickness));
    this.fillRect(x, y, w, t, color);
    this.fillRect(x, y + h - t, w, t, color);
    this.fillRect(x, y, t, h, color);
    this.fillRect(x + w - t, y, t, h, color);
  }

  /** Draws `text` with the built-in 5x7 font, top-left corner at (x, y), each font pixel `scale` px square. */
  drawText(text: string, x: number, y: number, color: Rgb, scale = 1): void {
    const s = Math.max(1, Math.round(scale));
    let cx = Math.round(x);
    const top = Math.round(y);
    for (const ch of text) {
      const rows = glyph(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        const bits = rows[r]!;
        if (bits === 0) continue;
        for (let c = 0; c < GLYPH_WIDTH; c++) {
          if (bits & (1 << (GLYPH_WIDTH - 1 - c))) this.fillRect(cx + c * s, top + r * s, s, s, color);
        }
      }
      cx += (GLYPH_WIDTH + GLYPH_SPACING) * s;
    }
  }

  /** Draws `text` rotated 90° counter-clockwise (reading bottom to top), its bottom-left corner at (x, y). */
  drawTextVertical(text: string, x: number, y: number, color: Rgb, scale = 1): void {
    const s = Math.max(1, Math.round(scale));
    let cy = Math.round(y);
    const left = Math.round(x);
    for (const ch of text) {
      const rows = glyph(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        const bits = rows[r]!;
        for (let c = 0; c < GLYPH_WIDTH; c++) {
          // Glyph pixel (column c, row r) goes to (x + r, y - c) after a counter-clockwise turn.
          if (bits & (1 << (GLYPH_WIDTH - 1 - c))) this.fillRect(left + r * s, cy - (c + 1) * s, s, s, color);
        }
      }
      cy -= (GLYPH_WIDTH + GLYPH_SPACING) * s;
    }
  }
}
