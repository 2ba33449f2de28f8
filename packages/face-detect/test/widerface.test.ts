import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { matchImage, summarise } from "../src/evaluate.js";
import { FaceDetectError } from "../src/errors.js";
import { parseWiderFaceAnnotations } from "../src/widerface.js";
import { WIDER_DIR } from "./helpers.js";

describe("WIDER FACE annotations", () => {
  test("parses the shared sample: one entry per image file, faces with the invalid flag", () => {
    const text = readFileSync(path.join(WIDER_DIR, "wider_face_val_bbx_gt.txt"), "utf8");
    const images = parseWiderFaceAnnotations(text);
    const onDisk = readdirSync(path.join(WIDER_DIR, "images"), { recursive: true }).filter((f) =>
      String(f).endsWith(".jpg"),
    );
    expect(images.length).toBe(onDisk.length);
    for (const img of images) expect(statSync(path.join(WIDER_DIR, "images", img.file)).isFile()).toBe(true);
    const first = images[0]!;
    expect(first.file).toBe("0--Parade/0_Parade_Parade_0_470.jpg");
    expect(first.faces.length).toBe(25);
    expect(first.faces[0]).toEqual({ x: 3, y: 152, width: 34, height: 51, invalid: false });
  });

  test("an image with 0 faces skips its line of zeros", () => {
    const images = parseWiderFaceAnnotations("a/x.jpg\n0\n0 0 0 0 0 0 0 0 0 0 \nb/y.jpg\n1\n1 2 3 4 0 0 0 1 0 0\n");
    expect(images).toEqual([
      { file: "a/x.jpg", faces: [] },
      { file: "b/y.jpg", faces: [{ x: 1, y: 2, width: 3, height: 4, invalid: true }] },
    ]);
  });

  test("malformed files throw bad-annotations naming the line", () => {
    expect(() => parseWiderFaceAnnotations("a/x.jpg\ntwo\n")).toThrow(/:2: expected a face count/);
    expect(() => parseWiderFaceAnnotations("a/x.jpg\n1\n1 2\n")).toThrow(FaceDetectError);
    expect(() => parseWiderFaceAnnotations("not an image\n")).toThrow(/expected an image path/);
  });
});

describe("matching", () => {
  const faces = [
    { x: 0, y: 0, width: 50, height: 60, invalid: false }, // >= 40 px
    { x: 100, y: 0, width: 20, height: 25, invalid: false }, // small
    { x: 200, y: 0, width: 50, height: 50, invalid: true }, // ignored
  ];

  test("counts found faces by size, ignores invalid ones, and counts duplicates as false", () => {
    const dets = [
      { x: 2, y: 2, width: 50, height: 58, score: 0.9 }, // big face
      { x: 0, y: 0, width: 48, height: 55, score: 0.5 }, // duplicate of the big face: false
      { x: 101, y: 1, width: 20, height: 24, score: 0.8 }, // small face
      { x: 201, y: 1, width: 49, height: 49, score: 0.8 }, // invalid face: ignored
      { x: 400, y: 400, width: 40, height: 40, score: 0.95 }, // nothing there: false
    ];
    expect(matchImage(dets, faces)).toEqual({ faces: 2, faces40: 1, found: 2, found40: 1, falseDetections: 2 });
  });

  test("summarise computes the reported ratios", () => {
    const r = summarise("x", [
      { faces: 2, faces40: 1, found: 2, found40: 1, falseDetections: 2 },
      { faces: 3, faces40: 3, found: 1, found40: 1, falseDetections: 0 },
    ], 50);
    expect(r).toEqual({
      detector: "x", images: 2, faces: 5, recall40: 0.5, precision40: 0.5, recallAll: 0.6, falsePerImage: 1, msPerImage: 25,
    });
  });
});
