import { describe, expect, it } from "vitest";
import type { Image } from "@fer/preprocess";
import { textWidth } from "@fer/pipeline/draw";
import { drawConfusionHeatmap, drawCountsChart, drawReliabilityDiagram } from "../src/report/charts.js";

/** The RGB of pixel (x, y). */
function rgb(img: Image, x: number, y: number): number[] {
  const i = (Math.round(y) * img.width + Math.round(x)) * img.channels;
  return Array.from(img.data.subarray(i, i + 3));
}

/** Pixels of column `x` between `y0` and `y1` (exclusive) whose colour is `color`. */
function runOf(img: Image, x: number, y0: number, y1: number, color: number[]): number {
  let n = 0;
  for (let y = y0; y < y1; y++) if (rgb(img, x, y).every((v, c) => v === color[c])) n++;
  return n;
}

const CLASSES = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"];
const BLUE = [70, 110, 180];
const BEIGE = [225, 200, 150];

// The charts' pixels are read back where the data puts them: a chart that drew the wrong cell, the wrong share or a
// bar of the wrong height fails here (the report test only checks that the PNG files exist).
describe("report charts", () => {
  it("the heatmap shades each cell by its share of the row: dark for a whole row, white for none, between for a half", () => {
    const confusion = CLASSES.map((_, a) => CLASSES.map((_, p) => (a === 0 ? (p === 1 || p === 2 ? 5 : 0) : a === p ? 10 : 0)));
    const img = drawConfusionHeatmap(CLASSES, confusion);
    const left = Math.max(...CLASSES.map((c) => textWidth(c, 2))) + 24 + 40;
    const at = (a: number, p: number) => rgb(img, left + p * 96 + 6, 90 + a * 96 + 6);
    expect(at(3, 3)).toEqual([8, 48, 107]); // happy: 10 of 10 on the diagonal
    expect(at(3, 4)).toEqual([255, 255, 255]); // none predicted neutral
    expect(at(0, 0)).toEqual([255, 255, 255]); // angry: none right ...
    expect(at(0, 1)).toEqual(at(0, 2)); // ... half predicted disgust, half fear
    expect(at(0, 1)).toEqual([Math.round(255 - 0.5 * 247), Math.round(255 - 0.5 * 207), Math.round(255 - 0.5 * 148)]);
  });

  it("the count chart's bars are as tall as their counts on the axis (40 -> the whole plot, 20 -> half, 0 -> none)", () => {
    const img = drawCountsChart(CLASSES, [40, 20, 0, 0, 0, 0, 0], [0, 40, 20, 0, 0, 0, 0]);
    const barX = (c: number, predicted: boolean) => 90 + c * 128 + 11 + (predicted ? 56 : 0) + 25;
    const bar = (c: number, predicted: boolean) => runOf(img, barX(c, predicted), 80, 80 + 420, predicted ? BEIGE : BLUE);
    expect([bar(0, false), bar(1, false), bar(2, false)]).toEqual([420, 210, 0]);
    expect([bar(0, true), bar(1, true), bar(2, true)]).toEqual([0, 420, 210]);
  });

  it("the reliability diagram draws a bar up to each bin's accuracy, none for an empty bin", () => {
    const bins = Array.from({ length: 10 }, (_, i) => ({ lower: i / 10, upper: (i + 1) / 10, count: i === 7 ? 50 : i === 9 ? 20 : 0, confidence: i / 10 + 0.05, accuracy: i === 7 ? 0.6 : 0.5 }));
    const img = drawReliabilityDiagram(bins, 0.031);
    // x near the left of a bin, where the diagonal runs above the bar; the accuracy bar runs from the axis up.
    const column = (i: number) => 90 + (i / 10 + 0.02) * 480;
    expect(runOf(img, column(7), 80, 80 + 480, BLUE)).toBe(Math.round(0.6 * 480));
    expect(runOf(img, column(9), 80, 80 + 480, BLUE)).toBe(Math.round(0.5 * 480));
    expect(runOf(img, column(4), 80, 80 + 480, BLUE)).toBe(0);
  });
});
