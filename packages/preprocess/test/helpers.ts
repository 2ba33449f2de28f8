import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { GrayImage } from "../src/index.js";
import { decodeImage, toGray } from "../src/node/index.js";

/** The repository root (three levels above this file). */
export const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** The read-only shared data folder: $FER_SHARED_DIR or <repo>/../shared. */
export const sharedRoot = process.env.FER_SHARED_DIR ? path.resolve(process.env.FER_SHARED_DIR) : path.resolve(repoRoot, "../shared");

/** FER2013 folder dataset roots. */
export const ferTest = path.join(sharedRoot, "datasets/fer2013/test");
export const ferTrain = path.join(sharedRoot, "datasets/fer2013/train");

/** The first `perClass` files (sorted by name) of every class folder of a FER2013 split. */
export function ferFiles(root: string, perClass: number): string[] {
  const out: string[] = [];
  for (const cls of readdirSync(root).sort()) {
    const names = readdirSync(path.join(root, cls)).sort().slice(0, perClass);
    out.push(...names.map((n) => path.join(root, cls, n)));
  }
  return out;
}

/** Decodes files to gray images. */
export async function loadGray(files: string[]): Promise<GrayImage[]> {
  return Promise.all(files.map(async (f) => toGray(await decodeImage(f))));
}

// OpenCV.js (dev-only oracle). The emscripten module object is a thenable: never return it from an async
// function or resolve a promise with it (that never settles); it is handed out inside a box.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Cv = any;
let cvBox: Promise<{ cv: Cv }> | undefined;

/** Loads OpenCV.js once; returns `{ cv }` (boxed, see above). */
export function loadOpenCv(): Promise<{ cv: Cv }> {
  cvBox ??= (async () => {
    const cv: Cv = createRequire(import.meta.url)("@techstark/opencv-js");
    for (let i = 0; i < 600 && !cv.Mat; i++) await new Promise((r) => setTimeout(r, 50));
    if (!cv.Mat) throw new Error("OpenCV.js did not initialise within 30 s");
    return { cv };
  })();
  return cvBox;
}

/** Runs `op(src, dst)` in OpenCV on a gray image and returns dst's bytes. */
export function cvGray(cv: Cv, img: GrayImage, op: (src: Cv, dst: Cv) => void): Uint8Array {
  const src = new cv.Mat(img.height, img.width, cv.CV_8UC1);
  src.data.set(img.data);
  const dst = new cv.Mat();
  try {
    op(src, dst);
    return Uint8Array.from(dst.data as Uint8Array);
  } finally {
    src.delete();
    dst.delete();
  }
}

/** Largest absolute per-pixel difference. */
export function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
