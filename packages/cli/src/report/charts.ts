import type { Image } from "@fer/preprocess";
import { Canvas, textHeight, textWidth, type Rgb } from "@fer/pipeline/draw";

const INK: Rgb = [30, 30, 30];
const GRID: Rgb = [215, 215, 215];
/** The study's colours: blue for the actual counts, beige for the predicted ones. */
const ACTUAL: Rgb = [70, 110, 180];
const PREDICTED: Rgb = [225, 200, 150];

/** Blends white (t = 0) to a dark blue (t = 1) for the heatmap. */
function heat(t: number): Rgb {
  const u = Math.min(1, Math.max(0, t));
  return [Math.round(255 - u * (255 - 8)), Math.round(255 - u * (255 - 48)), Math.round(255 - u * (255 - 107))];
}

/**
 * Draws a confusion matrix as a heatmap: rows = actual class, columns = predicted class, each cell shaded by its
 * share of the row (recall per class on the diagonal) and labelled with its count and that share.
 */
export function drawConfusionHeatmap(classes: readonly string[], confusion: readonly (readonly number[])[], title = "Confusion matrix"): Image {
  const k = classes.length;
  const s = 2;
  const cell = 96;
  const labelW = Math.max(...classes.map((c) => textWidth(c, s))) + 24;
  const top = 90;
  const left = labelW + 40;
  const width = left + k * cell + 30;
  const height = top + k * cell + 80;
  const cv = new Canvas(width, height);
  cv.drawText(title, (width - textWidth(title, s)) / 2, 14, INK, s);
  const sub = "rows: actual class, columns: predicted class, shade: share of the row";
  cv.drawText(sub, (width - textWidth(sub, 1)) / 2, 40, INK, 1);
  for (let a = 0; a < k; a++) {
    const rowTotal = confusion[a]!.reduce((x, y) => x + y, 0);
    for (let p = 0; p < k; p++) {
      const n = confusion[a]![p]!;
      const share = rowTotal === 0 ? 0 : n / rowTotal;
      const x = left + p * cell;
      const y = top + a * cell;
      cv.fillRect(x, y, cell, cell, heat(share));
      const ink: Rgb = share > 0.5 ? [255, 255, 255] : INK;
      const count = String(n);
      const pct = `${(share * 100).toFixed(0)}%`;
      cv.drawText(count, x + (cell - textWidth(count, s)) / 2, y + cell / 2 - textHeight(s) - 3, ink, s);
      cv.drawText(pct, x + (cell - textWidth(pct, s)) / 2, y + cell / 2 + 5, ink, s);
    }
    const name = classes[a]!;
    cv.drawText(name, left - 12 - textWidth(name, s), top + a * cell + (cell - textHeight(s)) / 2, INK, s);
  }
  for (let i = 0; i <= k; i++) {
    cv.fillRect(left + i * cell, top, 1, k * cell, GRID);
    cv.fillRect(left, top + i * cell, k * cell, 1, GRID);
  }
  for (let p = 0; p < k; p++) {
    const name = classes[p]!;
    cv.drawText(name, left + p * cell + (cell - textWidth(name, s)) / 2, top - textHeight(s) - 10, INK, s);
  }
  const xl = "predicted";
  cv.drawText(xl, left + (k * cell - textWidth(xl, s)) / 2, top + k * cell + 20, INK, s);
  cv.drawTextVertical("actual", 12, top + (k * cell + textWidth("actual", s)) / 2, INK, s);
  return cv.toImage();
}

/** A "nice" step (1, 2 or 5 times a power of ten) so that `max` spans about `ticks` steps. */
function niceStep(max: number, ticks: number): number {
  const raw = Math.max(max, 1) / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

/**
 * Draws the study's bar chart of images per class: for each class, the actual count (blue) beside the predicted
 * count (beige), with a y axis, grid lines, the counts above the bars and a legend.
 */
export function drawCountsChart(classes: readonly string[], actual: readonly number[], predicted: readonly number[], title = "Images per class: actual vs predicted"): Image {
  const k = classes.length;
  const s = 2;
  const group = 128;
  const bar = 50;
  const left = 90;
  const top = 80;
  const plotH = 420;
  const width = left + k * group + 30;
  const height = top + plotH + 80;
  const cv = new Canvas(width, height);
  cv.drawText(title, (width - textWidth(title, s)) / 2, 14, INK, s);
  const max = Math.max(1, ...actual, ...predicted);
  const step = niceStep(max, 5);
  const axisMax = Math.ceil(max / step) * step;
  const yOf = (v: number) => top + plotH - (v / axisMax) * plotH;
  for (let v = 0; v <= axisMax; v += step) {
    const y = Math.round(yOf(v));
    cv.fillRect(left, y, k * group, 1, GRID);
    const t = String(v);
    cv.drawText(t, left - 8 - textWidth(t, s), y - textHeight(s) / 2, INK, s);
  }
  cv.fillRect(left, top, 2, plotH + 1, INK);
  cv.fillRect(left, top + plotH, k * group, 2, INK);
  for (let c = 0; c < k; c++) {
    const gx = left + c * group + (group - 2 * bar - 6) / 2;
    const pairs: Array<[number, Rgb, number]> = [
      [actual[c] ?? 0, ACTUAL, gx],
      [predicted[c] ?? 0, PREDICTED, gx + bar + 6],
    ];
    for (const [v, color, x] of pairs) {
      const y = yOf(v);
      cv.fillRect(x, y, bar, top + plotH - y, color);
      const t = String(v);
      cv.drawText(t, x + (bar - textWidth(t, s)) / 2, y - textHeight(s) - 4, INK, s);
    }
    const name = classes[c]!;
    cv.drawText(name, left + c * group + (group - textWidth(name, s)) / 2, top + plotH + 14, INK, s);
  }
  const lx = left + 10;
  const ly = top + plotH + 48;
  cv.fillRect(lx, ly, 16, 16, ACTUAL);
  cv.drawText("actual", lx + 24, ly + 1, INK, s);
  cv.fillRect(lx + 130, ly, 16, 16, PREDICTED);
  cv.drawText("predicted", lx + 154, ly + 1, INK, s);
  return cv.toImage();
}

/** One bin of a reliability diagram (as in `@fer/heads`' `calibrationError`). */
export interface ReliabilityBinLike {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly confidence: number;
  readonly accuracy: number;
}

const GAP: Rgb = [220, 90, 80];

/**
 * Draws a reliability diagram: per confidence bin, a bar up to the accuracy of its images (blue) and the gap to their
 * mean confidence (red, over or under the bar), the diagonal a perfectly calibrated model would follow, and each bin's
 * image count under it; the title carries the ECE.
 */
export function drawReliabilityDiagram(bins: readonly ReliabilityBinLike[], ece: number, title = "Reliability diagram"): Image {
  const s = 2;
  const left = 90;
  const top = 80;
  const plot = 480;
  const width = left + plot + 40;
  const height = top + plot + 110;
  const cv = new Canvas(width, height);
  const heading = `${title}: ECE ${(ece * 100).toFixed(2)}%`;
  cv.drawText(heading, (width - textWidth(heading, s)) / 2, 14, INK, s);
  const sub = "bars: accuracy of the images in each confidence bin. red: gap to their mean confidence";
  cv.drawText(sub, (width - textWidth(sub, 1)) / 2, 44, INK, 1);
  const xOf = (v: number) => left + v * plot;
  const yOf = (v: number) => top + plot - v * plot;
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    cv.fillRect(left, Math.round(yOf(v)), plot, 1, GRID);
    cv.fillRect(Math.round(xOf(v)), top, 1, plot, GRID);
    const label = v.toFixed(1);
    cv.drawText(label, left - 8 - textWidth(label, s), yOf(v) - textHeight(s) / 2, INK, s);
    cv.drawText(label, xOf(v) - textWidth(label, s) / 2, top + plot + 36, INK, s);
  }
  for (const b of bins) {
    if (b.count === 0) continue;
    const x = Math.round(xOf(b.lower)) + 1;
    const w = Math.max(1, Math.round(xOf(b.upper)) - x - 1);
    const yAcc = yOf(b.accuracy);
    cv.fillRect(x, yAcc, w, top + plot - yAcc, ACTUAL);
    const yConf = yOf(b.confidence);
    cv.fillRect(x, Math.min(yAcc, yConf), w, Math.abs(yConf - yAcc), GAP, 0.55);
    const n = String(b.count);
    cv.drawText(n, x + (w - textWidth(n, 1)) / 2, top + plot + 8, INK, 1);
  }
  // The diagonal: accuracy = confidence.
  for (let i = 0; i <= plot; i++) cv.fillRect(left + i - 1, top + plot - i - 1, 3, 3, INK);
  cv.fillRect(left, top, 2, plot + 1, INK);
  cv.fillRect(left, top + plot, plot, 2, INK);
  const xl = "confidence (top-label probability). Under each bar: its number of images";
  cv.drawText(xl, left + (plot - textWidth(xl, 1)) / 2, top + plot + 66, INK, 1);
  cv.drawTextVertical("accuracy", 12, top + (plot + textWidth("accuracy", s)) / 2, INK, s);
  const ly = top + plot + 86;
  cv.fillRect(left, ly, 16, 16, ACTUAL);
  cv.drawText("accuracy", left + 24, ly + 1, INK, s);
  cv.fillRect(left + 170, ly, 16, 16, GAP, 0.55);
  cv.drawText("gap to confidence", left + 194, ly + 1, INK, s);
  return cv.toImage();
}
