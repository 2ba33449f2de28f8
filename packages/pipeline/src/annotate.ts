import path from "node:path";
import type { Box, Image } from "@fer/preprocess";
import { encodeImage, writeFileAtomic } from "@fer/preprocess/node";
import { Canvas, type Rgb } from "./draw/canvas.js";
import { textHeight, textWidth } from "./draw/font.js";
import { PipelineError } from "./errors.js";

/** One face to draw: its box, and optionally the label and the score shown next to it. */
export interface AnnotatedFace {
  readonly box: Box;
  readonly emotion?: string;
  /** Score of `emotion` in 0..1, shown as a percentage. */
  readonly confidence?: number;
}

/** Options of {@link annotate}. */
export interface AnnotateOptions {
  /** Line width of the boxes in px; default scales with the image (2 px per 500 px of the shorter side, at least 2). */
  readonly thickness?: number;
  /** Size of one font pixel in px; default scales with the image (1 per 250 px of the shorter side, at least 2). */
  readonly fontScale?: number;
  /** Show the score after the emotion name (default true). */
  readonly showScore?: boolean;
}

/** The colour each emotion's box is drawn in (other labels get grey). */
export const EMOTION_COLORS: Readonly<Record<string, Rgb>> = {
  angry: [220, 40, 40],
  disgust: [120, 160, 30],
  fear: [150, 70, 200],
  happy: [250, 190, 20],
  neutral: [170, 170, 170],
  sad: [40, 110, 230],
  surprise: [250, 120, 20],
};

const OTHER: Rgb = [200, 200, 200];
const BLACK: Rgb = [0, 0, 0];

/** The text drawn for one face: `"happy 87%"`, or just the emotion, or nothing. */
export function faceLabel(face: AnnotatedFace, showScore = true): string {
  if (face.emotion === undefined) return "";
  if (!showScore || face.confidence === undefined) return face.emotion;
  return `${face.emotion} ${Math.round(face.confidence * 100)}%`;
}

/**
 * Draws every face's box and its label (emotion and score, with the built-in bitmap font: no system fonts needed) on
 * an RGB copy of `image`. Labels sit above the box; when that spot is taken by another label they go below the box, else inside its top edge.
 * Returns a new 3-channel image of the same size; `image` is not changed.
 */
export function annotate(image: Image, faces: readonly AnnotatedFace[], options: AnnotateOptions = {}): Image {
  const canvas = Canvas.fromImage(image);
  const short = Math.min(image.width, image.height);
  const thickness = options.thickness ?? Math.max(2, Math.round(short / 250));
  const scale = options.fontScale ?? Math.max(2, Math.round(short / 250));
  const showScore = options.showScore ?? true;
  const placed: Array<{ x: number; y: number; w: number; h: number }> = [];
  const overlaps = (r: { x: number; y: number; w: number; h: number }) =>
    placed.some((q) => r.x < q.x + q.w && q.x < r.x + r.w && r.y < q.y + q.h && q.y < r.y + r.h);
  for (const face of faces) {
    const color = face.emotion !== undefined ? (EMOTION_COLORS[face.emotion] ?? OTHER) : OTHER;
    const { x, y, width, height } = face.box;
    canvas.strokeRect(x, y, width, height, color, thickness);
    const label = faceLabel(face, showScore);
    if (label === "") continue;
    const pad = scale;
    const w = textWidth(label, scale) + 2 * pad;
    const h = textHeight(scale) + 2 * pad;
    const lx = Math.min(Math.max(0, x), Math.max(0, image.width - w));
    const clampY = (v: number) => Math.min(Math.max(0, v), Math.max(0, image.height - h));
    // Above the box, else below it, else inside its top edge: the first spot that no earlier label covers.
    const spots = [y - h, y + height, y + thickness].map((v) => ({ x: lx, y: clampY(v), w, h }));
    const spot = spots.find((r) => !overlaps(r)) ?? (spots[0] as { x: number; y: number; w: number; h: number });
    placed.push(spot);
    canvas.fillRect(spot.x, spot.y, w, h, color);
    canvas.drawText(label, spot.x + pad, spot.y + pad, BLACK, scale);
  }
  return canvas.toImage();
}

/**
 * Encodes an image as PNG or JPEG and writes it to `file` through a temporary file in the same folder and a rename:
 * `file` is complete or absent, never half-written, and a symlink at `file` is replaced, not written through.
 * The format follows `format`, else the extension (`.png`, `.jpg`/`.jpeg`); any other extension is refused.
 */
export async function saveImageAs(image: Image, file: string, format?: "png" | "jpeg"): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  const fmt = format ?? (ext === ".png" ? "png" : ext === ".jpg" || ext === ".jpeg" ? "jpeg" : undefined);
  if (fmt === undefined) throw new PipelineError("bad-option", `cannot tell the image format of ${file}: use .png, .jpg or .jpeg`);
  await writeFileAtomic(file, await encodeImage(image, fmt));
}
