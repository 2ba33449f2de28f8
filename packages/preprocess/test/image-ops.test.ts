import { describe, expect, it } from "vitest";
import { cropBox, expandBox, mirror, resize, toGray, type GrayImage, type Image } from "../src/index.js";
import { ferFiles, ferTest, loadGray } from "./helpers.js";

/** A generated RGB gradient image: R = x, G = y, B = x + y. */
function gradient(width: number, height: number): Image {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([x % 256, y % 256, (x + y) % 256], (y * width + x) * 3);
  return { width, height, channels: 3, data };
}

describe("toGray", () => {
  it("uses BT.601 weights", () => {
    const img: Image = { width: 3, height: 1, channels: 3, data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255]) };
    expect(Array.from(toGray(img).data)).toEqual([76, 150, 29]);
  });
  it("ignores alpha and copies gray input", () => {
    const rgba: Image = { width: 1, height: 1, channels: 4, data: Uint8Array.from([100, 100, 100, 0]) };
    expect(Array.from(toGray(rgba).data)).toEqual([100]);
    const g: GrayImage = { width: 1, height: 1, channels: 1, data: Uint8Array.from([7]) };
    const copy = toGray(g);
    expect(copy.data).not.toBe(g.data);
    expect(Array.from(copy.data)).toEqual([7]);
  });
  it("rejects inconsistent images", () => {
    expect(() => toGray({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).toThrow(RangeError);
  });
});

describe("mirror", () => {
  it("flips rows and keeps channels together; twice is identity", async () => {
    const img = gradient(5, 3);
    const m = mirror(img);
    expect(Array.from(m.data.subarray(0, 3))).toEqual(Array.from(img.data.subarray(12, 15)));
    const [face] = await loadGray(ferFiles(ferTest, 1).slice(0, 1));
    expect(Array.from(mirror(mirror(face!)).data)).toEqual(Array.from(face!.data));
  });
});

describe("resize", () => {
  it("area: exact means on integer factors", () => {
    const img: GrayImage = { width: 4, height: 2, channels: 1, data: Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70]) };
    expect(Array.from(resize(img, 2, 1).data)).toEqual([25, 45]);
  });
  it("keeps a constant image constant at any size and method", () => {
    const img: Image = { width: 37, height: 23, channels: 3, data: new Uint8Array(37 * 23 * 3).fill(123) };
    for (const method of ["area", "bilinear"] as const)
      for (const [w, h] of [[48, 48], [10, 7], [100, 80]] as const) {
        const r = resize(img, w, h, { method });
        expect(r.width).toBe(w);
        expect(r.channels).toBe(3);
        expect(r.data.every((v) => v === 123)).toBe(true);
      }
  });
  it("bilinear reproduces a linear ramp", () => {
    const img = toGray(gradient(64, 8));
    const r = resize(img, 32, 8, { method: "bilinear" });
    expect(r.data[0]).toBeLessThanOrEqual(r.data[31]!);
  });
  it("rejects bad sizes", () => {
    expect(() => resize(toGray(gradient(4, 4)), 0, 3)).toThrow(RangeError);
  });
});

describe("cropBox", () => {
  const img = gradient(100, 80);
  it("cuts the box exactly without margin", () => {
    const c = cropBox(img, { x: 10, y: 20, width: 30, height: 40 });
    expect([c.width, c.height]).toEqual([30, 40]);
    expect(Array.from(c.data.subarray(0, 3))).toEqual([10, 20, 30]);
  });
  it("adds a margin and clamps at the borders", () => {
    expect(expandBox({ x: 10, y: 10, width: 20, height: 20 }, 100, 80, { margin: 0.25 })).toEqual({ x: 5, y: 5, width: 30, height: 30 });
    expect(expandBox({ x: 0, y: 0, width: 20, height: 20 }, 100, 80, { margin: 0.5 })).toEqual({ x: 0, y: 0, width: 30, height: 30 });
    expect(expandBox({ x: 90, y: 70, width: 20, height: 20 }, 100, 80)).toEqual({ x: 90, y: 70, width: 10, height: 10 });
  });
  it("square boxes stay square, shifted inside the image", () => {
    const b = expandBox({ x: 90, y: 0, width: 10, height: 30 }, 100, 80, { square: true, margin: 0.1 });
    expect(b.width).toBe(b.height);
    expect(b.width).toBe(36);
    expect(b.x + b.width).toBeLessThanOrEqual(100);
    expect(b.y).toBe(0);
    const huge = expandBox({ x: 0, y: 0, width: 100, height: 80 }, 100, 80, { square: true, margin: 0.5 });
    expect(huge).toEqual({ x: 10, y: 0, width: 80, height: 80 });
  });
  it("throws when the box is outside the image", () => {
    expect(() => cropBox(img, { x: 200, y: 0, width: 10, height: 10 })).toThrow(RangeError);
  });
});
