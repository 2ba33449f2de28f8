import { describe, expect, it } from "vitest";
import { clahe, equalizeHist, mirror, mirrorFaces, prepareFace, prepareFaces, resize, toGray, type GrayImage, type PreprocessSpec } from "../src/index.js";
import { decodeImage } from "../src/node/index.js";
import { ferFiles, ferTest, loadGray } from "./helpers.js";

async function block(): Promise<{ faces: GrayImage[]; pixels: Uint8Array }> {
  const faces = await loadGray(ferFiles(ferTest, 3));
  const pixels = new Uint8Array(faces.length * 48 * 48);
  faces.forEach((f, i) => pixels.set(f.data, i * 48 * 48));
  return { faces, pixels };
}

describe("prepareFace / prepareFaces", () => {
  it("prepareFaces equals prepareFace per face, for every contrast mode", async () => {
    const { faces, pixels } = await block();
    for (const spec of [
      { size: 48, contrast: "none" },
      { size: 48, contrast: "equalizeHist" },
      { size: 48, contrast: "clahe", clipLimit: 4, tileGrid: [4, 4] },
    ] as PreprocessSpec[]) {
      const all = prepareFaces(pixels, faces.length, spec);
      expect(all.length).toBe(faces.length * 48 * 48);
      faces.forEach((f, i) => expect(Array.from(all.subarray(i * 2304, (i + 1) * 2304))).toEqual(Array.from(prepareFace(f, spec))));
    }
  });

  it("applies gray -> resize -> contrast -> /255", async () => {
    const [file] = ferFiles(ferTest, 1);
    const rgb = await decodeImage(file!);
    const big = resize(rgb.channels === 1 ? { ...rgb, channels: 1 as const } : rgb, 96, 96, { method: "bilinear" });
    const spec: PreprocessSpec = { size: 48, contrast: "clahe", clipLimit: 4, tileGrid: [4, 4] };
    const out = prepareFace(big, spec);
    const expected = clahe(resize(toGray(big), 48, 48, { method: "area" }), { clipLimit: 4, tileGrid: [4, 4] });
    expect(Array.from(out)).toEqual(Array.from(Float32Array.from(expected.data, (v) => v / 255)));
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
  });

  it("keeps gray levels 0..255 with pixelScale raw, the same faces as unit times 255", async () => {
    const { faces, pixels } = await block();
    const spec: PreprocessSpec = { size: 48, contrast: "equalizeHist", pixelScale: "raw" };
    const raw = prepareFaces(pixels, faces.length, spec);
    expect(Array.from(raw.subarray(0, 2304))).toEqual(Array.from(equalizeHist(faces[0]!).data));
    expect(Array.from(prepareFace(faces[1]!, spec))).toEqual(Array.from(raw.subarray(2304, 4608)));
    const unit = prepareFaces(pixels, faces.length, { size: 48, contrast: "equalizeHist", pixelScale: "unit" });
    expect(Array.from(unit)).toEqual(Array.from(prepareFaces(pixels, faces.length, { size: 48, contrast: "equalizeHist" })));
    expect(Math.max(...raw)).toBe(255);
    unit.forEach((v, i) => expect(Math.abs(v * 255 - raw[i]!)).toBeLessThan(1e-4));
  });

  it("standardises each face on its own with pixelScale standard; a blank face gives zeros", async () => {
    const { faces, pixels } = await block();
    const spec: PreprocessSpec = { size: 48, contrast: "none", pixelScale: "standard" };
    const out = prepareFaces(pixels, faces.length, spec);
    faces.forEach((f, i) => {
      const face = out.subarray(i * 2304, (i + 1) * 2304);
      const mean = face.reduce((a, b) => a + b, 0) / 2304;
      const sd = Math.sqrt(face.reduce((a, b) => a + (b - mean) ** 2, 0) / 2304);
      expect(Math.abs(mean)).toBeLessThan(1e-4);
      expect(sd).toBeCloseTo(1, 4);
      // An affine map of the gray levels: the brightest pixel stays the largest input.
      expect(face.indexOf(Math.max(...face))).toBe(f.data.indexOf(Math.max(...f.data)));
      expect(Array.from(prepareFace(f, spec))).toEqual(Array.from(face));
    });
    const blank = prepareFaces(new Uint8Array(2304).fill(128), 1, spec);
    expect(blank.every((v) => v === 0)).toBe(true);
  });

  it("resizes blocks of another side", async () => {
    const { faces } = await block();
    const small = faces.map((f) => resize(f, 24, 24));
    const pixels = new Uint8Array(small.length * 24 * 24);
    small.forEach((f, i) => pixels.set(f.data, i * 576));
    const out = prepareFaces(pixels, small.length, { size: 48, contrast: "equalizeHist" });
    expect(out.length).toBe(small.length * 2304);
    expect(Array.from(out.subarray(0, 2304))).toEqual(Array.from(Float32Array.from(equalizeHist(resize(small[0]!, 48, 48)).data, (v) => v / 255)));
  });

  it("rejects a block that is not count square faces and a bad spec", () => {
    expect(() => prepareFaces(new Uint8Array(100), 3, { size: 48, contrast: "none" })).toThrow(RangeError);
    expect(() => prepareFaces(new Uint8Array(2304), 1, { size: 48, contrast: "bogus" as never })).toThrow(RangeError);
    expect(() => prepareFaces(new Uint8Array(2304), 1, { size: 48, contrast: "none", pixelScale: "bytes" as never })).toThrow(/pixelScale/);
  });
});

describe("mirrorFaces", () => {
  it("mirrors every face like mirror()", async () => {
    const { faces, pixels } = await block();
    const m = mirrorFaces(pixels, faces.length, 48);
    faces.forEach((f, i) => expect(Array.from(m.subarray(i * 2304, (i + 1) * 2304))).toEqual(Array.from(mirror(f).data)));
    expect(() => mirrorFaces(pixels, faces.length + 1, 48)).toThrow(RangeError);
  });
});
