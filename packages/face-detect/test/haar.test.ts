import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decodeImage } from "@fer/preprocess/node";
import sharp from "sharp";
import { createDetector, FaceDetectError, type FaceDetector } from "../src/index.js";
import { liveOpenCvObjects } from "../src/opencv.js";
import { PHOTO_FACES } from "./fixtures/photo-faces.js";
import { allInside, blankImage, countMatched, loadPhoto, noiseImage, PHOTOS_DIR, SHARED_DIR, withChannels } from "./helpers.js";

let haar: FaceDetector;
beforeAll(async () => {
  haar = await createDetector("haar");
});
afterAll(() => haar.dispose());

describe("haar cascade on real photos", () => {
  test("finds the three astronauts where they are", async () => {
    const img = await loadPhoto("apollo11_crew.jpg");
    const dets = await haar.detect(img);
    expect(countMatched(PHOTO_FACES["apollo11_crew.jpg"]!.faces, dets)).toBe(3);
    expect(allInside(dets, img)).toBe(true);
    // OpenCV's neighbour count is the score; the three faces are the best supported boxes.
    expect(dets.every((d) => typeof d.score === "number")).toBe(true);
    expect(countMatched(PHOTO_FACES["apollo11_crew.jpg"]!.faces, dets.slice(0, 3))).toBe(3);
  });

  test("finds most of a family on a sofa", async () => {
    const dets = await haar.detect(await loadPhoto("obama_family_2011.jpg"));
    expect(countMatched(PHOTO_FACES["obama_family_2011.jpg"]!.faces, dets)).toBeGreaterThanOrEqual(3);
  });

  test("large photos are downscaled and boxes come back in original pixels", async () => {
    const img = await loadPhoto("biden_portrait.jpg");
    expect(img.width).toBe(2400);
    const dets = await haar.detect(img);
    expect(countMatched(PHOTO_FACES["biden_portrait.jpg"]!.faces, dets)).toBe(1);
    expect(allInside(dets, img)).toBe(true);
  });

  test("gray, RGB and RGBA inputs give the same boxes", async () => {
    const rgb = await loadPhoto("apollo11_crew.jpg");
    const a = await haar.detect(rgb);
    expect(await haar.detect(withChannels(rgb, 4))).toEqual(a);
    const gray = await haar.detect(withChannels(rgb, 1));
    expect(countMatched(a, gray, 0.9)).toBe(a.length);
  });

  test("the same photo stored rotated with an EXIF orientation tag still gives upright boxes", async () => {
    const file = path.join(PHOTOS_DIR, "apollo11_crew.jpg");
    // Pixels stored turned 90 degrees clockwise; orientation 8 tells viewers to turn them back.
    const rotated = await sharp(file).rotate(90).withMetadata({ orientation: 8 }).jpeg({ quality: 95 }).toBuffer();
    const meta = await sharp(rotated).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([471, 600, 8]);
    const img = await decodeImage(rotated);
    expect([img.width, img.height]).toEqual([600, 471]);
    const dets = await haar.detect(img);
    expect(countMatched(PHOTO_FACES["apollo11_crew.jpg"]!.faces, dets)).toBe(3);
  });

  test("boxes stay inside the image on every shared photo", async () => {
    for (const name of ["classroom_tanzania.jpg", "european_council_2011.jpg", "women_on_phones.jpg"]) {
      const img = await loadPhoto(name);
      const dets = await haar.detect(img);
      expect(allInside(dets, img), name).toBe(true);
    }
  });
});

describe("haar cascade on images without faces", () => {
  test("blank images give an empty list", async () => {
    for (const ch of [1, 3, 4] as const) expect(await haar.detect(blankImage(640, 480, ch))).toEqual([]);
  });

  test("noise gives an empty list", async () => {
    expect(await haar.detect(noiseImage(640, 480, 3, 7))).toEqual([]);
    expect(await haar.detect(noiseImage(333, 517, 1, 8))).toEqual([]);
  });

  test("a 1x1 image gives an empty list", async () => {
    expect(await haar.detect(blankImage(1, 1, 3))).toEqual([]);
  });
});

describe("haar options and errors", () => {
  test("minSize and maxSize bound the faces found, in original pixels", async () => {
    const img = await loadPhoto("apollo11_crew.jpg");
    const big = await createDetector("haar", { minSize: 55 });
    const small = await createDetector("haar", { maxSize: 40 });
    try {
      expect((await big.detect(img)).every((d) => d.width >= 55)).toBe(true);
      expect(countMatched(PHOTO_FACES["apollo11_crew.jpg"]!.faces, await small.detect(img))).toBe(0);
    } finally {
      big.dispose();
      small.dispose();
    }
  });

  test("another cascade file can be passed (path or bytes); a broken one is a model-load error", async () => {
    const alt = path.join(SHARED_DIR, "models/haarcascades/haarcascade_frontalface_alt2.xml");
    const img = await loadPhoto("apollo11_crew.jpg");
    for (const cascade of [alt, new Uint8Array(readFileSync(alt))]) {
      const d = await createDetector("haar", { cascade });
      try {
        expect(countMatched(PHOTO_FACES["apollo11_crew.jpg"]!.faces, await d.detect(img))).toBe(3);
      } finally {
        d.dispose();
      }
    }
    const dir = mkdtempSync(path.join(tmpdir(), "fd-"));
    const broken = path.join(dir, "broken.xml");
    writeFileSync(broken, "<?xml version=\"1.0\"?><opencv_storage></opencv_storage>");
    await expect(createDetector("haar", { cascade: broken })).rejects.toMatchObject({ kind: "model-load" });
    await expect(createDetector("haar", { cascade: path.join(dir, "missing.xml") })).rejects.toMatchObject({ kind: "model-load" });
    // A truncated cascade and garbage made OpenCV.js throw a bare number ("Error: 6570936"): a named, typed error now.
    const truncated = path.join(dir, "truncated.xml");
    writeFileSync(truncated, readFileSync(alt).subarray(0, 3000));
    const garbage = path.join(dir, "garbage.xml");
    writeFileSync(garbage, "garbage <<< not xml");
    for (const file of [truncated, garbage]) {
      const e = await createDetector("haar", { cascade: file }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(FaceDetectError);
      expect((e as FaceDetectError).kind).toBe("model-load");
      expect((e as FaceDetectError).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not a cascade OpenCV can load \\(truncated or corrupt XML`));
    }
  });

  test("bad options and bad images are typed errors; a disposed detector refuses to run", async () => {
    await expect(createDetector("haar", { scaleFactor: 1 })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("haar", { minNeighbors: 2.5 })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("nope" as "haar")).rejects.toMatchObject({ kind: "unknown-detector" });
    await expect(haar.detect({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).rejects.toBeInstanceOf(FaceDetectError);
    const before = liveOpenCvObjects();
    const d = await createDetector("haar");
    d.dispose();
    d.dispose();
    expect(liveOpenCvObjects()).toBe(before);
    await expect(d.detect(blankImage(10, 10, 1))).rejects.toMatchObject({ kind: "disposed" });
  });
});
