import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { InferenceSession } from "onnxruntime-node";
import sharp from "sharp";
import { cropBox, frameFace, resize, type Image } from "@fer/preprocess";
import { decodeImage } from "@fer/preprocess/node";
import { liveOnnxSessions } from "@fer/runtime";
import { createDetector, type Detection, type FaceDetector } from "../src/index.js";
import { decodeYunet, yunetPlacement } from "../src/yunet.js";
import { PHOTO_FACES } from "./fixtures/photo-faces.js";
import { allInside, blankImage, countMatched, loadPhoto, noiseImage, PHOTOS_DIR, SHARED_DIR } from "./helpers.js";

let yunet: FaceDetector;
beforeAll(async () => {
  yunet = await createDetector("yunet");
});
afterAll(() => yunet.dispose());

/** Landmarks of an upright frontal face: eyes left to right in the image, above the nose, above the mouth corners, inside the box. */
function expectUprightLandmarks(d: Detection): void {
  const l = d.landmarks!;
  expect(l).toBeDefined();
  expect(l.leftEye[0]).toBeLessThan(l.rightEye[0]);
  expect(l.mouthLeft[0]).toBeLessThan(l.mouthRight[0]);
  const eyesY = Math.max(l.leftEye[1], l.rightEye[1]);
  expect(eyesY).toBeLessThan(l.nose[1]);
  expect(l.nose[1]).toBeLessThan(Math.min(l.mouthLeft[1], l.mouthRight[1]));
  for (const [x, y] of Object.values(l)) {
    expect(x).toBeGreaterThanOrEqual(d.x - 0.1 * d.width);
    expect(x).toBeLessThanOrEqual(d.x + 1.1 * d.width);
    expect(y).toBeGreaterThanOrEqual(d.y - 0.1 * d.height);
    expect(y).toBeLessThanOrEqual(d.y + 1.1 * d.height);
  }
}

describe("yunet on the shared photos", () => {
  for (const name of ["apollo11_crew.jpg", "obama_family_2011.jpg", "biden_portrait.jpg", "face_paint_portrait.png", "women_on_phones.jpg"]) {
    test(`${name}: every face found where it is, nothing else, with upright landmarks`, async () => {
      const img = await loadPhoto(name);
      const expected = PHOTO_FACES[name]!.faces;
      const dets = await yunet.detect(img);
      expect(countMatched(expected, dets, 0.5)).toBe(expected.length);
      expect(dets.length).toBe(expected.length);
      expect(allInside(dets, img)).toBe(true);
      const scores = dets.map((d) => d.score!);
      expect(scores.every((s) => s >= 0.55 && s <= 1)).toBe(true);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      // The half-turned laughing face of women_on_phones has a nose off to the side but still level eyes.
      for (const d of dets) if (name !== "women_on_phones.jpg") expectUprightLandmarks(d);
    });
  }

  test("the crowd photos: boxes and landmarks inside the image, many faces found", async () => {
    for (const [name, atLeast] of [["classroom_tanzania.jpg", 12], ["european_council_2011.jpg", 20]] as const) {
      const img = await loadPhoto(name);
      const dets = await yunet.detect(img);
      expect(dets.length, name).toBeGreaterThanOrEqual(atLeast);
      expect(allInside(dets, img), name).toBe(true);
      for (const d of dets) {
        for (const [x, y] of Object.values(d.landmarks!)) expect(x >= 0 && x <= img.width && y >= 0 && y <= img.height).toBe(true);
      }
    }
  });

  test("the same photo stored rotated with an EXIF orientation tag gives upright boxes and landmarks", async () => {
    const file = path.join(PHOTOS_DIR, "obama_family_2011.jpg");
    const rotated = await sharp(file).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(rotated).metadata()).width).toBe(427);
    const img = await decodeImage(rotated);
    expect([img.width, img.height]).toEqual([640, 427]);
    const dets = await yunet.detect(img);
    expect(countMatched(PHOTO_FACES["obama_family_2011.jpg"]!.faces, dets, 0.5)).toBe(4);
    for (const d of dets) expectUprightLandmarks(d);
  });
});

describe("yunet: faces that fill the frame", () => {
  test("tight crops of the shared portraits: one face, covering most of the frame", async () => {
    for (const name of ["biden_portrait.jpg", "face_paint_portrait.png", "women_on_phones.jpg"]) {
      const photo = await loadPhoto(name);
      for (const margin of [-0.1, 0]) {
        const img = cropBox(photo, PHOTO_FACES[name]!.faces[0]!, { margin });
        const dets = await yunet.detect(img);
        expect(dets.length, `${name} margin ${margin}`).toBe(1);
        expect(dets[0]!.width / img.width, `${name} margin ${margin}`).toBeGreaterThan(0.7);
        expect(allInside(dets, img)).toBe(true);
      }
    }
  });

  test("FER2013 training faces upscaled to 400x400 are found, thanks to the close-up pass", async () => {
    const root = path.join(SHARED_DIR, "datasets/fer2013/train");
    const faces: Image[] = [];
    for (const cls of (await readdir(root)).sort()) {
      for (const f of (await readdir(path.join(root, cls))).sort().slice(0, 8)) {
        faces.push(resize(await decodeImage(path.join(root, cls, f)), 400, 400, { method: "bilinear" }));
      }
    }
    const mainOnly = await createDetector("yunet", { closeUpSize: 0, retrySizes: [], rotations: [] });
    let found = 0;
    let foundMainOnly = 0;
    try {
      for (const img of faces) {
        const dets = await yunet.detect(img);
        expect(allInside(dets, img)).toBe(true);
        if (dets.length === 1 && dets[0]!.width > 200) found++;
        if ((await mainOnly.detect(img)).length > 0) foundMainOnly++;
      }
    } finally {
      mainOnly.dispose();
    }
    console.log(`yunet: ${found} of ${faces.length} upscaled FER2013 faces found (${foundMainOnly} without the close-up pass)`);
    expect(found).toBeGreaterThanOrEqual(Math.ceil(0.93 * faces.length));
    expect(foundMainOnly).toBeLessThan(found - 5);
  });
});

/** Angle of a detection's eye line in degrees (positive: the image-right eye lower, i.e. the face turned clockwise). */
function eyeAngle(d: Detection): number {
  const { leftEye, rightEye } = d.landmarks!;
  return (Math.atan2(rightEye[1] - leftEye[1], rightEye[0] - leftEye[0]) * 180) / Math.PI;
}

describe("yunet: turned faces", () => {
  test("a portrait turned by 20 degrees either way: the eye line follows, and the aligned crop comes out level", async () => {
    const file = path.join(PHOTOS_DIR, "biden_portrait.jpg");
    for (const angle of [20, -20]) {
      // sharp turns clockwise for a positive angle; the corners it adds are gray.
      const { data, info } = await sharp(file).resize(600).rotate(angle, { background: { r: 128, g: 128, b: 128 } }).raw().toBuffer({ resolveWithObject: true });
      const img: Image = { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) };
      const dets = await yunet.detect(img);
      expect(dets.length, `${angle} degrees`).toBe(1);
      expect(allInside(dets, img)).toBe(true);
      const d = dets[0]!;
      // Framed as the pipeline frames it (turned by the eyes), the face is upright: yunet finds it level in the crop.
      const level = frameFace(img, d, { margin: 0.2, align: true, eyes: d.landmarks! });
      const turned = frameFace(img, d, { margin: 0.2, align: false });
      const inLevel = await yunet.detect(level);
      const inTurned = await yunet.detect(turned);
      console.log(`portrait turned by ${angle}: eye line ${eyeAngle(d).toFixed(1)}; in the aligned crop ${eyeAngle(inLevel[0]!).toFixed(1)}, unaligned ${eyeAngle(inTurned[0]!).toFixed(1)}`);
      // The landmarks' eye line is within a few degrees of the turn (about 6 on the synthetic portraits, median).
      expect(Math.abs(eyeAngle(d) - angle), `eye line of the face turned by ${angle} degrees`).toBeLessThan(8);
      expect(inLevel.length).toBe(1);
      expect(Math.abs(eyeAngle(inLevel[0]!)), `the aligned crop of the face turned by ${angle} degrees`).toBeLessThan(6);
      expect(Math.abs(eyeAngle(inTurned[0]!)), `the unaligned crop of the face turned by ${angle} degrees`).toBeGreaterThan(12);
    }
  });

  test("FER2013 training faces filling the frame, turned by -45 degrees, are found thanks to the turned passes", async () => {
    const root = path.join(SHARED_DIR, "datasets/fer2013/train");
    const faces: Image[] = [];
    for (const cls of (await readdir(root)).sort()) {
      for (const f of (await readdir(path.join(root, cls))).sort().slice(0, 8)) {
        const { data, info } = await sharp(path.join(root, cls, f))
          .resize(320, 320, { kernel: "lanczos3" })
          .rotate(-45, { background: { r: 128, g: 128, b: 128 } })
          .toColourspace("srgb")
          .raw()
          .toBuffer({ resolveWithObject: true });
        faces.push({ width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) });
      }
    }
    const notTurned = await createDetector("yunet", { rotations: [] });
    let found = 0;
    let foundNotTurned = 0;
    const angles: number[] = [];
    try {
      for (const img of faces) {
        const dets = await yunet.detect(img);
        expect(allInside(dets, img)).toBe(true);
        const face = dets.find((d) => d.width > 150);
        if (face !== undefined) found++;
        if ((await notTurned.detect(img)).some((d) => d.width > 150)) foundNotTurned++;
        else if (face !== undefined) {
          angles.push(eyeAngle(face));
          // Turned back into the photo: on the face, which fills the middle of the frame.
          expect(Math.abs(face.x + face.width / 2 - img.width / 2)).toBeLessThan(0.1 * img.width);
          expect(Math.abs(face.y + face.height / 2 - img.height / 2)).toBeLessThan(0.1 * img.height);
        }
      }
    } finally {
      notTurned.dispose();
    }
    angles.sort((a, b) => a - b);
    const median = angles[Math.floor(angles.length / 2)]!;
    console.log(`yunet: ${found} of ${faces.length} faces turned by -45 degrees found (${foundNotTurned} without the turned passes); eye lines of those only the turned passes found: ${angles.map((a) => a.toFixed(0)).join(", ")}`);
    expect(found).toBeGreaterThanOrEqual(50);
    expect(foundNotTurned).toBeLessThanOrEqual(found - 4);
    // Faces found by a turned pass are turned back: their eye line is about the photo's (-45), not the pass's (-20).
    expect(Math.abs(median + 45)).toBeLessThan(7);
  });
});

describe("yunet on images without faces", () => {
  test("blank and noise images give an empty list", async () => {
    expect(await yunet.detect(blankImage(640, 480, 3))).toEqual([]);
    expect(await yunet.detect(blankImage(300, 900, 1, 250))).toEqual([]);
    expect(await yunet.detect(noiseImage(640, 480, 3, 11))).toEqual([]);
    expect(await yunet.detect(noiseImage(1024, 768, 4, 12))).toEqual([]);
    expect(await yunet.detect(noiseImage(48, 48, 1, 13))).toEqual([]);
  });
});

describe("yunet: the retry gate", () => {
  test("an image without any face-like box costs the first two passes only; without the gate, five", async () => {
    // Every network call goes through an onnxruntime session's run() (a method of the class onnxruntime-node exports,
    // typed as a factory): count them.
    const sessions = InferenceSession as unknown as { prototype: { run(...args: unknown[]): Promise<unknown> } };
    const run = vi.spyOn(sessions.prototype, "run");
    const ungated = await createDetector("yunet", { retryGate: 0 });
    try {
      // Plain walls. (A soft gradient or a photo region often shows a box scoring 0.05 or more: they pay for all five.)
      for (const img of [blankImage(640, 480, 3, 90), blankImage(300, 900, 1, 250)]) {
        run.mockClear();
        expect(await yunet.detect(img)).toEqual([]);
        const gated = run.mock.calls.length;
        run.mockClear();
        expect(await ungated.detect(img)).toEqual([]);
        expect([gated, run.mock.calls.length], `network calls on a ${img.width}x${img.height} image, gated and not`).toEqual([2, 5]);
      }
    } finally {
      ungated.dispose();
      run.mockRestore();
    }
  });
});

describe("yunet decoding", () => {
  test("one cell decodes to the box and landmarks of OpenCV's FaceDetectorYN, mapped through the placement", () => {
    // A 64x32 input: stride 8 has 8x4 cells, 16 has 4x2, 32 has 2x1.
    const placement = { inputWidth: 64, inputHeight: 32, width: 56, height: 28, scale: 2, left: 4, top: 2 };
    const cells = [32, 8, 2];
    const outputs = [
      ...cells.map((n) => new Float32Array(n)), // cls
      ...cells.map((n) => new Float32Array(n)), // obj
      ...cells.map((n) => new Float32Array(n * 4)),
      ...cells.map((n) => new Float32Array(n * 10)),
    ];
    // Stride 8, row 2, column 3 (cell 19): cls 0.9, obj 0.4 -> score 0.6; an obj above 1 is clamped.
    outputs[0]![19] = 0.9;
    outputs[3]![19] = 0.4;
    outputs[6]!.set([0.5, 0.25, Math.log(2), Math.log(3)], 19 * 4);
    outputs[9]!.set([0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1], 19 * 10);
    // Stride 32, cell 1: obj 2 is clamped to 1, so the score is sqrt(0.2), below the threshold.
    outputs[2]![1] = 0.2;
    outputs[5]![1] = 2;
    const [face, ...rest] = decodeYunet(outputs, placement, 0.5);
    expect(rest).toEqual([]);
    // Centre ((3 + 0.5) * 8, (2 + 0.25) * 8) = (28, 18), size 16x24 -> input box (20, 6, 16, 24) -> minus (4, 2), x2.
    expect(face!.score).toBeCloseTo(0.6, 6);
    expect([face!.x, face!.y, face!.width, face!.height].map((v) => Math.round(v * 1000) / 1000)).toEqual([32, 8, 32, 48]);
    // Landmarks: (3 + kx) * 8, (2 + ky) * 8 in the input, then mapped the same way.
    expect(face!.landmarks!.leftEye).toEqual([(24 - 4) * 2, (16 - 2) * 2]);
    expect(face!.landmarks!.rightEye).toEqual([(32 - 4) * 2, (16 - 2) * 2]);
    expect(face!.landmarks!.nose).toEqual([(28 - 4) * 2, (20 - 2) * 2]);
    expect(face!.landmarks!.mouthLeft).toEqual([(24 - 4) * 2, (24 - 2) * 2]);
    expect(face!.landmarks!.mouthRight).toEqual([(32 - 4) * 2, (24 - 2) * 2]);
  });

  test("the passes' inputs are multiples of 32 and the close-up pass is centred on its border", () => {
    const main = yunetPlacement(1024, 676, 512, 0);
    expect(main).toMatchObject({ inputWidth: 512, inputHeight: 352, width: 512, height: 338, left: 0, top: 7 });
    expect(main.scale).toBe(2);
    const close = yunetPlacement(400, 400, 160, 0.25);
    expect(close).toMatchObject({ inputWidth: 256, inputHeight: 256, width: 160, height: 160, left: 48, top: 48 });
  });
});

describe("yunet options and errors", () => {
  test("bad options and a missing model file are typed errors naming the cause", async () => {
    await expect(createDetector("yunet", { minScore: 2 })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("yunet", { threads: 0 })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("yunet", { closeUpPad: -1 })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("yunet", { model: "/nonexistent/yunet.onnx" })).rejects.toMatchObject({
      kind: "model-load",
      message: expect.stringContaining("/nonexistent/yunet.onnx"),
    });
    await expect(yunet.detect({ width: 2, height: 2, channels: 3, data: new Uint8Array(3) })).rejects.toMatchObject({ kind: "bad-image" });
  });

  test("minSize and maxSize filter by the box's longer side; disposed detectors release their session and refuse work", async () => {
    const img = await loadPhoto("obama_family_2011.jpg");
    const before = liveOnnxSessions();
    const small = await createDetector("yunet", { minSize: 200 });
    expect(await small.detect(img)).toEqual([]);
    small.dispose();
    const d = await createDetector("yunet", { maxSize: 200 });
    expect(liveOnnxSessions()).toBe(before + 1);
    expect((await d.detect(img)).length).toBe(4);
    d.dispose();
    d.dispose();
    expect(liveOnnxSessions()).toBe(before);
    await expect(d.detect(img)).rejects.toMatchObject({ kind: "disposed" });
  });
});

describe("ultraface", () => {
  test("finds the faces of the group photos, none on blank or noise, typed errors", async () => {
    const uf = await createDetector("ultraface");
    try {
      expect(uf.engine).toBe("onnxruntime");
      for (const name of ["apollo11_crew.jpg", "obama_family_2011.jpg"]) {
        const img = await loadPhoto(name);
        const dets = await uf.detect(img);
        expect(countMatched(PHOTO_FACES[name]!.faces, dets, 0.5), name).toBe(PHOTO_FACES[name]!.faces.length);
        expect(allInside(dets, img)).toBe(true);
        expect(dets.every((d) => d.landmarks === undefined)).toBe(true);
      }
      expect(await uf.detect(blankImage(640, 480, 3))).toEqual([]);
      expect(await uf.detect(noiseImage(640, 480, 3, 21))).toEqual([]);
    } finally {
      uf.dispose();
    }
    await expect(createDetector("ultraface", { variant: "RFB-999" as never })).rejects.toMatchObject({ kind: "bad-option" });
    // Only RFB-320 ships; the others load from a folder that has them.
    await expect(createDetector("ultraface", { variant: "RFB-640" })).rejects.toMatchObject({ kind: "model-load", message: expect.stringContaining("version-RFB-640.onnx") });
  });
});
