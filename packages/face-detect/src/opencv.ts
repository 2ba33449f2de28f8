import { createRequire } from "node:module";
import { FaceDetectError } from "./errors.js";

/** An OpenCV.js object backed by WebAssembly memory: it must be `delete()`d. */
export interface CvObject {
  delete(): void;
}

/** The part of `cv.Mat` this package uses. */
export interface CvMat extends CvObject {
  readonly data: Uint8Array;
  readonly rows: number;
  readonly cols: number;
}

/** `cv.RectVector` / `cv.IntVector`. */
export interface CvVector<T> extends CvObject {
  size(): number;
  get(i: number): T;
}

/** `cv.CascadeClassifier`. */
export interface CvCascadeClassifier extends CvObject {
  load(file: string): boolean;
  empty(): boolean;
  detectMultiScale2(
    image: CvMat,
    objects: CvVector<CvRect>,
    numDetections: CvVector<number>,
    scaleFactor: number,
    minNeighbors: number,
    flags: number,
    minSize: CvSize,
    maxSize: CvSize,
  ): void;
}

/** `cv.Rect` as returned by vectors. */
export interface CvRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** `cv.Size` value. */
export interface CvSize {
  width: number;
  height: number;
}

/** The subset of the OpenCV.js module object used here. */
export interface OpenCv {
  Mat: { new (): CvMat; new (rows: number, cols: number, type: number): CvMat };
  RectVector: new () => CvVector<CvRect>;
  IntVector: new () => CvVector<number>;
  CascadeClassifier: new () => CvCascadeClassifier;
  Size: new (width: number, height: number) => CvSize;
  cvtColor(src: CvMat, dst: CvMat, code: number): void;
  resize(src: CvMat, dst: CvMat, size: CvSize, fx: number, fy: number, interpolation: number): void;
  FS_createDataFile(parent: string, name: string, data: Uint8Array, canRead: boolean, canWrite: boolean, canOwn: boolean): void;
  FS_unlink(path: string): void;
  readonly HEAPU8: Uint8Array;
  readonly CV_8UC1: number;
  readonly CV_8UC3: number;
  readonly CV_8UC4: number;
  readonly COLOR_RGB2GRAY: number;
  readonly COLOR_RGBA2GRAY: number;
  readonly INTER_AREA: number;
}

interface RawCv {
  Mat?: unknown;
  onRuntimeInitialized?: () => void;
}

/** The npm package of OpenCV.js: an optional peer dependency, needed by the `haar` detector only. */
export const OPENCV_PACKAGE = "@techstark/opencv-js";

let loading: Promise<{ cv: OpenCv }> | undefined;

/**
 * Loads and initialises OpenCV.js once per process (about 0.3 s); later calls share the same instance.
 * The module object is wrapped because it is itself a "thenable" that must never be awaited directly.
 * @throws {FaceDetectError} `missing-package` if `@techstark/opencv-js` is not installed, `model-load` if it cannot be loaded.
 */
export function loadOpenCv(): Promise<{ cv: OpenCv }> {
  loading ??= new Promise<{ cv: OpenCv }>((resolve, reject) => {
    try {
      const require = createRequire(import.meta.url);
      const raw = require(OPENCV_PACKAGE) as RawCv;
      const done = (): void => resolve({ cv: raw as unknown as OpenCv });
      if (typeof raw.Mat === "function") done();
      else raw.onRuntimeInitialized = done;
    } catch (cause) {
      // An optional peer dependency: only the Haar detector needs it (30 MB with its dependencies).
      const missing = (cause as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" && String((cause as Error).message).includes(OPENCV_PACKAGE);
      reject(
        missing
          ? new FaceDetectError("missing-package", `the haar detector needs ${OPENCV_PACKAGE}, which is not installed: npm install ${OPENCV_PACKAGE}@4.5.2, or use another detector`, { cause })
          : new FaceDetectError("model-load", `cannot load OpenCV.js (${OPENCV_PACKAGE})`, { cause }),
      );
    }
  });
  return loading;
}

let liveObjects = 0;

/**
 * Tracks the OpenCV objects of one operation and deletes them all at once.
 * Every object made through a scope is counted until freed (see {@link liveOpenCvObjects}).
 */
export class CvScope {
  private readonly objects: CvObject[] = [];

  /** Registers `obj` to be deleted by {@link CvScope.free}; returns it. */
  add<T extends CvObject>(obj: T): T {
    this.objects.push(obj);
    liveObjects++;
    return obj;
  }

  /** Deletes every registered object (newest first). */
  free(): void {
    while (this.objects.length > 0) {
      const obj = this.objects.pop()!;
      obj.delete();
      liveObjects--;
    }
  }
}

/** Number of OpenCV objects made through a {@link CvScope} (or a detector's cascade) and not yet deleted. */
export function liveOpenCvObjects(): number {
  return liveObjects;
}

/** Adjusts the live-object count for long-lived objects created outside a scope (a detector's classifier). */
export function countOpenCvObject(delta: 1 | -1): void {
  liveObjects += delta;
}
