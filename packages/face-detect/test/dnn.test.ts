import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decodeImage } from "@fer/preprocess/node";
import sharp from "sharp";
import * as tf from "@tensorflow/tfjs-core";
import { createDetector, listDetectors, type FaceDetector } from "../src/index.js";
import { faceApiModelDir, loadWeightsFromDisk } from "../src/face-api-weights.js";
import { anchorShapesFromTable, layoutAnchors } from "../src/ssd-mobilenet-v1.js";
import { PHOTO_FACES } from "./fixtures/photo-faces.js";
import { allInside, blankImage, countMatched, loadPhoto, noiseImage, PHOTOS_DIR, withChannels } from "./helpers.js";
import { initTestBackend } from "./tf-backend.js";

let ssd: FaceDetector;
beforeAll(async () => {
  await initTestBackend();
  ssd = await createDetector("ssd-mobilenet-v1");
});
afterAll(() => ssd.dispose());

describe("ssd-mobilenet-v1 on real photos", () => {
  for (const name of ["apollo11_crew.jpg", "obama_family_2011.jpg", "biden_portrait.jpg", "face_paint_portrait.png"]) {
    test(`${name}: every face found where it is, nothing else`, async () => {
      const img = await loadPhoto(name);
      const expected = PHOTO_FACES[name]!.faces;
      const dets = await ssd.detect(img);
      expect(countMatched(expected, dets, 0.5)).toBe(expected.length);
      expect(dets.length).toBe(expected.length);
      expect(allInside(dets, img)).toBe(true);
      expect(dets.every((d) => d.score !== undefined && d.score >= 0.5 && d.score <= 1)).toBe(true);
      const scores = dets.map((d) => d.score!);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    });
  }

  test("the face-painted portrait the cascade misses is found", async () => {
    const haar = await createDetector("haar");
    try {
      const img = await loadPhoto("face_paint_portrait.png");
      const faces = PHOTO_FACES["face_paint_portrait.png"]!.faces;
      expect(countMatched(faces, await haar.detect(img))).toBe(0);
      expect(countMatched(faces, await ssd.detect(img))).toBe(1);
    } finally {
      haar.dispose();
    }
  });

  test("gray and RGBA inputs find the same faces", async () => {
    const rgb = await loadPhoto("obama_family_2011.jpg");
    const faces = PHOTO_FACES["obama_family_2011.jpg"]!.faces;
    expect(countMatched(faces, await ssd.detect(withChannels(rgb, 4)), 0.5)).toBe(4);
    expect(countMatched(faces, await ssd.detect(withChannels(rgb, 1)), 0.5)).toBeGreaterThanOrEqual(3);
  });

  test("the same photo stored rotated with an EXIF orientation tag still gives upright boxes", async () => {
    const file = path.join(PHOTOS_DIR, "obama_family_2011.jpg");
    const rotated = await sharp(file).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(rotated).metadata()).width).toBe(427);
    const img = await decodeImage(rotated);
    expect([img.width, img.height]).toEqual([640, 427]);
    const dets = await ssd.detect(img);
    expect(countMatched(PHOTO_FACES["obama_family_2011.jpg"]!.faces, dets, 0.5)).toBe(4);
  });

  test("boxes stay inside the image on the crowd photos", async () => {
    for (const name of ["classroom_tanzania.jpg", "european_council_2011.jpg", "women_on_phones.jpg"]) {
      const img = await loadPhoto(name);
      expect(allInside(await ssd.detect(img), img), name).toBe(true);
    }
  });
});

describe("ssd-mobilenet-v1 on images without faces", () => {
  test("blank and noise images give an empty list", async () => {
    expect(await ssd.detect(blankImage(640, 480, 3))).toEqual([]);
    expect(await ssd.detect(blankImage(300, 900, 1, 250))).toEqual([]);
    expect(await ssd.detect(noiseImage(640, 480, 3, 11))).toEqual([]);
    expect(await ssd.detect(noiseImage(1024, 768, 4, 12))).toEqual([]);
  });
});

describe("ssd-mobilenet-v1 options", () => {
  test("a smaller input side still finds large faces; bad options are typed errors", async () => {
    const small = await createDetector("ssd-mobilenet-v1", { inputSize: 320 });
    try {
      const faces = PHOTO_FACES["apollo11_crew.jpg"]!.faces;
      expect(countMatched(faces, await small.detect(await loadPhoto("apollo11_crew.jpg")), 0.5)).toBe(3);
    } finally {
      small.dispose();
    }
    await expect(createDetector("ssd-mobilenet-v1", { inputSize: 300 })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("ssd-mobilenet-v1", { padToSquare: "yes" as never })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("ssd-mobilenet-v1", { minScore: 1.5 })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("ssd-mobilenet-v1", { modelDir: "/nonexistent" })).rejects.toMatchObject({ kind: "model-load" });
  });
});

describe("ssd-mobilenet-v1 input shape", () => {
  test("anchors laid out for 512x512 are exactly the model's own anchor table", async () => {
    const weights = await loadWeightsFromDisk(faceApiModelDir("ssd-mobilenet-v1"), "ssd_mobilenetv1_model");
    try {
      const table = weights["Output/extra_dim"]!.dataSync() as Float32Array;
      const anchors = layoutAnchors(anchorShapesFromTable(table), 512, 512);
      expect(anchors.length).toBe(table.length);
      let worst = 0;
      for (let i = 0; i < table.length; i += 4) {
        const [y0, x0, y1, x1] = [table[i]!, table[i + 1]!, table[i + 2]!, table[i + 3]!];
        const want = [(y0 + y1) / 2, (x0 + x1) / 2, y1 - y0, x1 - x0];
        want.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - anchors[i + j]!))));
      }
      expect(worst).toBeLessThan(1e-5);
      // A 512x352 input has 32x22 cells on the first head; anchors keep their size in input pixels.
      const flat = layoutAnchors(anchorShapesFromTable(table), 352, 512);
      expect(flat[2]! * 352).toBeCloseTo(anchors[2]! * 512, 3);
      expect(flat[3]! * 512).toBeCloseTo(anchors[3]! * 512, 3);
    } finally {
      tf.dispose(weights);
    }
  });

  test("the default input (shorter side padded to a multiple of 32) finds the same boxes as the square one", async () => {
    const square = await createDetector("ssd-mobilenet-v1", { padToSquare: true });
    try {
      for (const name of ["obama_family_2011.jpg", "apollo11_crew.jpg"]) {
        const img = await loadPhoto(name);
        const a = await ssd.detect(img);
        const b = await square.detect(img);
        expect(a.length, name).toBe(b.length);
        expect(countMatched(b, a, 0.9), name).toBe(b.length);
      }
    } finally {
      square.dispose();
    }
  });

  test("inputSize 416 (the fast setting) still finds every face of the portraits and the family photo", async () => {
    const fast = await createDetector("ssd-mobilenet-v1", { inputSize: 416 });
    try {
      for (const name of ["obama_family_2011.jpg", "apollo11_crew.jpg", "biden_portrait.jpg"]) {
        const faces = PHOTO_FACES[name]!.faces;
        expect(countMatched(faces, await fast.detect(await loadPhoto(name)), 0.5), name).toBe(faces.length);
      }
    } finally {
      fast.dispose();
    }
  });
});

describe("tiny-face", () => {
  test("finds the portrait face and nothing on noise", async () => {
    const tiny = await createDetector("tiny-face");
    try {
      const img = await loadPhoto("biden_portrait.jpg");
      const dets = await tiny.detect(img);
      expect(countMatched(PHOTO_FACES["biden_portrait.jpg"]!.faces, dets, 0.4)).toBe(1);
      expect(allInside(dets, img)).toBe(true);
      expect(await tiny.detect(noiseImage(640, 480, 3, 13))).toEqual([]);
    } finally {
      tiny.dispose();
    }
  });

  test("listDetectors names every detector createDetector accepts", async () => {
    expect(listDetectors().map((d) => d.name)).toEqual(["haar", "ssd-mobilenet-v1", "tiny-face", "yunet", "ultraface"]);
  });
});
