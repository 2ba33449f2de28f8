import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { clahe, cropBox, equalizeHist, resize, toGray, type GrayImage } from "../src/index.js";
import { decodeImage } from "../src/node/index.js";
import { cvGray, ferFiles, ferTest, loadGray, loadOpenCv, maxAbsDiff, sharedRoot } from "./helpers.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
let cv: any;
let faces: GrayImage[];
/** Real faces at sizes that are not multiples of the tile grid (crops and resizes of FER2013 test images). */
let oddFaces: GrayImage[];

beforeAll(async () => {
  ({ cv } = await loadOpenCv());
  faces = await loadGray(ferFiles(ferTest, 40)); // 280 real 48x48 faces, 40 per class
  oddFaces = faces.slice(0, 60).flatMap((f, i) => [
    cropBox(f, { x: i % 5, y: 2, width: 45 - (i % 7), height: 37 + (i % 9) }),
    resize(f, 100 + (i % 13), 75 + (i % 11), { method: "bilinear" }),
  ]);
});

describe("OpenCV parity on FER2013 test images", () => {
  it("equalizeHist equals cv.equalizeHist pixel for pixel", () => {
    let compared = 0;
    for (const img of [...faces, ...oddFaces]) {
      const ours = equalizeHist(img).data;
      const ref = cvGray(cv, img, (s, d) => cv.equalizeHist(s, d));
      expect(maxAbsDiff(ours, ref)).toBe(0);
      compared++;
    }
    expect(compared).toBe(400);
  });

  it.each([
    { clipLimit: 4, tileGrid: [4, 4] as [number, number] },
    { clipLimit: 40, tileGrid: [8, 8] as [number, number] },
    { clipLimit: 2, tileGrid: [3, 5] as [number, number] },
    { clipLimit: 0, tileGrid: [4, 4] as [number, number] },
  ])("CLAHE $clipLimit $tileGrid is within 1 grey level of cv.CLAHE", ({ clipLimit, tileGrid }) => {
    let worst = 0;
    let differing = 0;
    let total = 0;
    for (const img of [...faces, ...oddFaces]) {
      const ours = clahe(img, { clipLimit, tileGrid }).data;
      const tool = new cv.CLAHE(clipLimit, new cv.Size(tileGrid[0], tileGrid[1]));
      const ref = cvGray(cv, img, (s, d) => tool.apply(s, d));
      tool.delete();
      worst = Math.max(worst, maxAbsDiff(ours, ref));
      for (let i = 0; i < ours.length; i++) if (ours[i] !== ref[i]) differing++;
      total += ours.length;
    }
    console.log(`CLAHE ${clipLimit} [${tileGrid}]: max diff ${worst}, ${differing}/${total} pixels differ`);
    expect(worst).toBeLessThanOrEqual(1);
    // Off-by-one pixels come only from float rounding: they must be rare.
    expect(differing / total).toBeLessThan(0.01);
  });

  it("toGray equals cv.cvtColor(RGB2GRAY) on a real colour photo", async () => {
    const photo = await decodeImage(path.join(sharedRoot, "photos/classroom_tanzania.jpg"));
    expect(photo.channels).toBe(3);
    const src = new cv.Mat(photo.height, photo.width, cv.CV_8UC3);
    src.data.set(photo.data);
    const dst = new cv.Mat();
    cv.cvtColor(src, dst, cv.COLOR_RGB2GRAY);
    const ref = Uint8Array.from(dst.data as Uint8Array);
    src.delete();
    dst.delete();
    expect(maxAbsDiff(toGray(photo).data, ref)).toBe(0);
  });

  it("area resize matches cv.resize(INTER_AREA) within 1 grey level (integer and fractional factors)", async () => {
    const photo = toGray(await decodeImage(path.join(sharedRoot, "photos/classroom_tanzania.jpg")));
    for (const [w, h] of [
      [48, 48],
      [Math.floor(photo.width / 4), Math.floor(photo.height / 4)],
      [97, 61],
    ] as const) {
      const ref = cvGray(cv, photo, (s, d) => cv.resize(s, d, new cv.Size(w, h), 0, 0, cv.INTER_AREA));
      expect(maxAbsDiff(resize(photo, w, h, { method: "area" }).data, ref)).toBeLessThanOrEqual(1);
    }
  });
});
