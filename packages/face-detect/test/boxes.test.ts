import { describe, expect, test } from "vitest";
import { clipToImage, finishDetections, iou, nonMaxSuppression, sortDetections } from "../src/boxes.js";
import { assertDetectableImage, detectionSize } from "../src/image-input.js";
import { FaceDetectError } from "../src/errors.js";
import { networkInput, placeInInput, placeInSquare, squareNetworkInput } from "../src/network-input.js";

describe("box helpers", () => {
  test("iou of identical, disjoint and half-overlapping boxes", () => {
    const a = { x: 0, y: 0, width: 10, height: 10 };
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { x: 20, y: 0, width: 10, height: 10 })).toBe(0);
    expect(iou(a, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(50 / 150, 10);
  });

  test("clipToImage rounds to whole pixels, clips, and drops boxes left outside", () => {
    expect(clipToImage({ x: -5.4, y: 2.6, width: 20, height: 100, score: 0.9 }, 10, 50)).toEqual({
      x: 0, y: 3, width: 10, height: 47, score: 0.9,
    });
    expect(clipToImage({ x: 12, y: 0, width: 5, height: 5 }, 10, 10)).toBeNull();
  });

  test("sortDetections: score first, then top-to-bottom, left-to-right", () => {
    const sorted = sortDetections([
      { x: 5, y: 5, width: 1, height: 1 },
      { x: 0, y: 9, width: 1, height: 1, score: 0.2 },
      { x: 1, y: 5, width: 1, height: 1 },
      { x: 0, y: 0, width: 1, height: 1, score: 0.9 },
    ]);
    expect(sorted.map((d) => [d.x, d.y])).toEqual([[0, 0], [0, 9], [1, 5], [5, 5]]);
  });

  test("nonMaxSuppression keeps the best of overlapping boxes and respects maxResults", () => {
    const dets = [
      { x: 0, y: 0, width: 10, height: 10, score: 0.5 },
      { x: 1, y: 1, width: 10, height: 10, score: 0.9 },
      { x: 50, y: 50, width: 10, height: 10, score: 0.7 },
    ];
    expect(nonMaxSuppression(dets, 0.5).map((d) => d.score)).toEqual([0.9, 0.7]);
    expect(nonMaxSuppression(dets, 0.5, 1).map((d) => d.score)).toEqual([0.9]);
  });

  test("finishDetections filters by the unclipped size", () => {
    const dets = [
      { x: -30, y: 0, width: 50, height: 50, score: 0.9 }, // 50 px face cut by the edge: kept
      { x: 10, y: 10, width: 20, height: 20, score: 0.8 }, // too small
    ];
    expect(finishDetections(dets, 100, 100, 40)).toEqual([{ x: 0, y: 0, width: 20, height: 50, score: 0.9 }]);
  });
});

describe("image input", () => {
  test("rejects inconsistent images with a typed error", () => {
    const bad = [
      { width: 0, height: 10, channels: 1, data: new Uint8Array(0) },
      { width: 2, height: 2, channels: 2, data: new Uint8Array(8) },
      { width: 2, height: 2, channels: 3, data: new Uint8Array(11) },
    ];
    for (const img of bad) {
      expect(() => assertDetectableImage(img as never)).toThrow(FaceDetectError);
    }
  });

  test("detectionSize only ever shrinks, keeping the aspect ratio", () => {
    expect(detectionSize(4000, 3000, 1000)).toEqual({ width: 1000, height: 750 });
    expect(detectionSize(640, 480, 1000)).toEqual({ width: 640, height: 480 });
  });

  test("squareNetworkInput averages, normalises and pads", () => {
    // 4x2 RGB image: left half value 0, right half 200; fitted into an 2x2 square.
    const data = new Uint8Array(4 * 2 * 3);
    for (let y = 0; y < 2; y++) for (let x = 2; x < 4; x++) data.fill(200, (y * 4 + x) * 3, (y * 4 + x) * 3 + 3);
    const { data: out, placement } = squareNetworkInput({ width: 4, height: 2, channels: 3, data }, 2, [100, 100, 100], 0.01);
    expect(placement).toEqual(placeInSquare(4, 2, 2));
    expect(placement).toMatchObject({ width: 2, height: 1, scale: 2 });
    expect(Array.from(out).map((v) => Math.round(v * 100) / 100)).toEqual([-1, -1, -1, 1, 1, 1, -1, -1, -1, -1, -1, -1]);
  });

  test("placeInInput pads only the shorter side, to a multiple of 32, unless a square is asked for", () => {
    expect(placeInInput(1024, 676, 512, false)).toEqual({ inputWidth: 512, inputHeight: 352, width: 512, height: 338, scale: 2 });
    expect(placeInInput(676, 1024, 416, false)).toMatchObject({ inputWidth: 288, inputHeight: 416, width: 275, height: 416 });
    expect(placeInInput(1024, 676, 512, true)).toEqual({ inputWidth: 512, inputHeight: 512, width: 512, height: 338, scale: 2 });
    expect(placeInInput(640, 640, 320, false)).toMatchObject({ inputWidth: 320, inputHeight: 320 });
    // Very flat: the shorter side still gets one multiple.
    expect(placeInInput(4000, 10, 512, false)).toMatchObject({ inputWidth: 512, inputHeight: 32, height: 1 });
  });

  test("networkInput on a non-square input: the same pixels as the square one, less padding", () => {
    const img = { width: 64, height: 40, channels: 3 as const, data: new Uint8Array(64 * 40 * 3).map((_, i) => (i * 37) % 256) };
    const fit = placeInInput(64, 40, 32, false);
    expect(fit).toMatchObject({ inputWidth: 32, inputHeight: 32, height: 20 });
    const wide = placeInInput(128, 40, 64, false);
    expect(wide).toMatchObject({ inputWidth: 64, inputHeight: 32, height: 20 });
    const img2 = { width: 128, height: 40, channels: 3 as const, data: new Uint8Array(128 * 40 * 3).map((_, i) => (i * 37) % 256) };
    const a = networkInput(img2, wide, [127.5, 127.5, 127.5], 1 / 127.5);
    const { data: sq } = squareNetworkInput(img2, 64, [127.5, 127.5, 127.5], 1 / 127.5);
    expect(a.length).toBe(64 * 32 * 3);
    // Same rows where both have image and padding; the square one just has more padding rows.
    expect(Array.from(a)).toEqual(Array.from(sq.subarray(0, a.length)));
    expect(a[a.length - 1]).toBeCloseTo(-1, 6);
    expect(networkInput(img, fit, [0, 0, 0], 1).length).toBe(32 * 32 * 3);
  });
});
