import type { Box } from "@fer/preprocess";
import type { Detection } from "./types.js";

/** Intersection over union of two boxes (0 when either is empty). */
export function iou(a: Box, b: Box): number {
  const ix = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Rounds a box's edges to whole pixels and clips it to a `width` x `height` image.
 * Returns `null` when less than one pixel of it is left inside the image.
 */
export function clipToImage<T extends Detection>(det: T, width: number, height: number): T | null {
  const x0 = Math.max(0, Math.round(det.x));
  const y0 = Math.max(0, Math.round(det.y));
  const x1 = Math.min(width, Math.round(det.x + det.width));
  const y1 = Math.min(height, Math.round(det.y + det.height));
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  return { ...det, x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Sorts in place: by score, highest first; equal or missing scores top-to-bottom, then left-to-right. Returns `dets`. */
export function sortDetections<T extends Detection>(dets: T[]): T[] {
  return dets.sort(
    (a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || a.y - b.y || a.x - b.x || b.width - a.width,
  );
}

/** Greedy non-maximum suppression: keeps the best-scored boxes, dropping any box whose IoU with a kept one exceeds `iouThreshold`. */
export function nonMaxSuppression<T extends Detection>(dets: readonly T[], iouThreshold: number, maxResults = Infinity): T[] {
  const order = sortDetections([...dets]);
  const kept: T[] = [];
  for (const d of order) {
    if (kept.length >= maxResults) break;
    if (kept.every((k) => iou(k, d) <= iouThreshold)) kept.push(d);
  }
  return kept;
}

/**
 * Final step shared by all detectors: clips every box to the image, drops boxes outside `[minSize, maxSize]`
 * (compared with the unclipped box's longer side; 0 means no limit) and sorts them.
 */
export function finishDetections(
  dets: readonly Detection[],
  width: number,
  height: number,
  minSize = 0,
  maxSize = 0,
): Detection[] {
  const out: Detection[] = [];
  for (const d of dets) {
    const side = Math.max(d.width, d.height);
    if (minSize > 0 && side < minSize) continue;
    if (maxSize > 0 && side > maxSize) continue;
    const c = clipToImage(d, width, height);
    if (c !== null) out.push(c);
  }
  return sortDetections(out);
}
