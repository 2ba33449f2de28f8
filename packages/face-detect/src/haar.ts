import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Image } from "@fer/preprocess";
import { finishDetections } from "./boxes.js";
import { FaceDetectError } from "./errors.js";
import { assertDetectableImage, checkNumberOption, detectionSize } from "./image-input.js";
import { countOpenCvObject, CvScope, loadOpenCv, type CvCascadeClassifier, type OpenCv } from "./opencv.js";
import type { CommonDetectorOptions, Detection, FaceDetector } from "./types.js";

/** Path of the cascade the study used, shipped in this package with its licence header. */
export const DEFAULT_CASCADE_PATH = fileURLToPath(
  new URL("../models/haarcascade_frontalface_default.xml", import.meta.url),
);

/** Options of the Haar cascade detector; the names follow OpenCV's `CascadeClassifier::detectMultiScale`. */
export interface HaarOptions extends CommonDetectorOptions {
  /** How much the search window grows between scales (OpenCV `scaleFactor`, > 1). Default 1.1. */
  scaleFactor?: number;
  /** How many overlapping raw hits a face needs to be kept (OpenCV `minNeighbors`). Default 3. */
  minNeighbors?: number;
  /**
   * Longer side above which the photo is downscaled before the cascade runs (boxes are mapped back).
   * Default 1024. Sizes below (`minSize`, `maxSize`) are in original pixels and converted to the detection scale.
   */
  maxSide?: number;
  /** A cascade XML other than `haarcascade_frontalface_default.xml`: a file path or the file's bytes. */
  cascade?: string | Uint8Array;
}

const DEFAULTS = { scaleFactor: 1.1, minNeighbors: 3, maxSide: 1024, minSize: 0, maxSize: 0 } as const;

let fileCounter = 0;

function readCascade(cascade: string | Uint8Array | undefined): { bytes: Uint8Array; label: string } {
  if (cascade instanceof Uint8Array) return { bytes: cascade, label: "<bytes>" };
  const file = cascade ?? DEFAULT_CASCADE_PATH;
  try {
    return { bytes: readFileSync(file), label: file };
  } catch (cause) {
    throw new FaceDetectError("model-load", `cannot read cascade file ${file}`, { cause });
  }
}

function loadClassifier(cv: OpenCv, bytes: Uint8Array, label: string): CvCascadeClassifier {
  const name = `fer-cascade-${process.pid}-${fileCounter++}.xml`;
  cv.FS_createDataFile("/", name, bytes, true, false, false);
  const classifier = new cv.CascadeClassifier();
  countOpenCvObject(1);
  let ok = false;
  let thrown: unknown;
  try {
    ok = classifier.load(name) && !classifier.empty();
  } catch (e) {
    // OpenCV.js throws a bare number (a C++ exception pointer) for a truncated or corrupt XML file.
    thrown = e;
  } finally {
    cv.FS_unlink(`/${name}`);
  }
  if (!ok) {
    classifier.delete();
    countOpenCvObject(-1);
    const why = thrown === undefined ? "" : " (truncated or corrupt XML: OpenCV's parser failed on it)";
    throw new FaceDetectError(
      "model-load",
      `${label} is not a cascade OpenCV can load${why}: give a complete haarcascade_*.xml from OpenCV's data/haarcascades, or leave the cascade option out for the shipped one`,
      thrown === undefined ? undefined : { cause: thrown },
    );
  }
  return classifier;
}

/** OpenCV's Haar cascade (the study's detector) behind the {@link FaceDetector} interface. */
class HaarDetector implements FaceDetector {
  readonly name = "haar" as const;
  private classifier: CvCascadeClassifier | undefined;

  constructor(
    private readonly cv: OpenCv,
    classifier: CvCascadeClassifier,
    private readonly opts: Required<Omit<HaarOptions, "cascade">>,
  ) {
    this.classifier = classifier;
  }

  async detect(img: Image): Promise<Detection[]> {
    const classifier = this.classifier;
    if (classifier === undefined) throw new FaceDetectError("disposed", "haar detector used after dispose()");
    assertDetectableImage(img);
    const { cv, opts } = this;
    const size = detectionSize(img.width, img.height, opts.maxSide);
    const sx = img.width / size.width;
    const sy = img.height / size.height;
    const scope = new CvScope();
    try {
      const type = img.channels === 1 ? cv.CV_8UC1 : img.channels === 3 ? cv.CV_8UC3 : cv.CV_8UC4;
      const src = scope.add(new cv.Mat(img.height, img.width, type));
      src.data.set(img.data);
      let gray = src;
      if (img.channels !== 1) {
        gray = scope.add(new cv.Mat());
        cv.cvtColor(src, gray, img.channels === 3 ? cv.COLOR_RGB2GRAY : cv.COLOR_RGBA2GRAY);
      }
      let small = gray;
      if (size.width !== img.width || size.height !== img.height) {
        small = scope.add(new cv.Mat());
        cv.resize(gray, small, new cv.Size(size.width, size.height), 0, 0, cv.INTER_AREA);
      }
      const s = Math.max(sx, sy);
      const minSide = opts.minSize > 0 ? Math.round(opts.minSize / s) : 0;
      const maxSide = opts.maxSize > 0 ? Math.round(opts.maxSize / s) : 0;
      const rects = scope.add(new cv.RectVector());
      const counts = scope.add(new cv.IntVector());
      classifier.detectMultiScale2(
        small,
        rects,
        counts,
        opts.scaleFactor,
        opts.minNeighbors,
        0,
        new cv.Size(minSide, minSide),
        new cv.Size(maxSide, maxSide),
      );
      const dets: Detection[] = [];
      for (let i = 0; i < rects.size(); i++) {
        const r = rects.get(i);
        dets.push({ x: r.x * sx, y: r.y * sy, width: r.width * sx, height: r.height * sy, score: counts.get(i) });
      }
      return finishDetections(dets, img.width, img.height, opts.minSize, opts.maxSize);
    } finally {
      scope.free();
    }
  }

  dispose(): void {
    if (this.classifier === undefined) return;
    this.classifier.delete();
    countOpenCvObject(-1);
    this.classifier = undefined;
  }
}

/** Checks Haar options and fills in defaults. */
function resolveHaarOptions(options: HaarOptions): Required<Omit<HaarOptions, "cascade">> {
  checkNumberOption("scaleFactor", options.scaleFactor, 1.0001, 10);
  checkNumberOption("minNeighbors", options.minNeighbors, 0, 1000);
  checkNumberOption("maxSide", options.maxSide, 0);
  checkNumberOption("minSize", options.minSize, 0);
  checkNumberOption("maxSize", options.maxSize, 0);
  if (options.minNeighbors !== undefined && !Number.isInteger(options.minNeighbors)) {
    throw new FaceDetectError("bad-option", `minNeighbors must be an integer, got ${options.minNeighbors}`);
  }
  return {
    scaleFactor: options.scaleFactor ?? DEFAULTS.scaleFactor,
    minNeighbors: options.minNeighbors ?? DEFAULTS.minNeighbors,
    maxSide: options.maxSide ?? DEFAULTS.maxSide,
    minSize: options.minSize ?? DEFAULTS.minSize,
    maxSize: options.maxSize ?? DEFAULTS.maxSize,
  };
}

/**
 * Creates the Haar cascade detector: OpenCV.js's `CascadeClassifier` with `haarcascade_frontalface_default.xml`
 * (or `options.cascade`), run on the grayscale image (`cvtColor`), downscaled with `INTER_AREA` when its longer side
 * exceeds `maxSide`. `score` is OpenCV's neighbour count (`detectMultiScale2`'s numDetections).
 * @throws {FaceDetectError} `bad-option` for invalid options, `model-load` for an unreadable cascade, `missing-package`
 *   when the optional peer `@techstark/opencv-js` is not installed.
 */
export async function createHaarDetector(options: HaarOptions = {}): Promise<FaceDetector> {
  const opts = resolveHaarOptions(options);
  const { bytes, label } = readCascade(options.cascade);
  const { cv } = await loadOpenCv();
  return new HaarDetector(cv, loadClassifier(cv, bytes, label), opts);
}
