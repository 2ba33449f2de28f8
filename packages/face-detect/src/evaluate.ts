import type { Image } from "@fer/preprocess";
import { iou } from "./boxes.js";
import type { Detection, FaceDetector } from "./types.js";
import type { AnnotatedFace, AnnotatedImage } from "./widerface.js";

/** Smallest face (longer side of the annotated box, px) counted by `recall40` and `precision40`. */
export const MIN_EVAL_FACE = 40;
/** IoU a detection needs with an annotated face to count as finding it. */
export const MATCH_IOU = 0.5;

/** Counts for one image (or summed over many). */
export interface MatchCounts {
  /** Valid annotated faces, and those of at least 40 px. */
  faces: number;
  faces40: number;
  /** Valid faces found (IoU >= 0.5), and those of at least 40 px. */
  found: number;
  found40: number;
  /** Detections matching no annotated face at all. */
  falseDetections: number;
}

/**
 * Matches one image's detections to its annotated faces. Detections are taken by score (highest first); each claims
 * the still-unclaimed face (valid or not) it overlaps most, if that IoU is at least 0.5. A detection claiming nothing
 * is a false detection; one claiming an invalid face is ignored.
 */
export function matchImage(dets: readonly Detection[], faces: readonly AnnotatedFace[], minFace = MIN_EVAL_FACE): MatchCounts {
  const claimed = new Array<boolean>(faces.length).fill(false);
  const order = [...dets].sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  let falseDetections = 0;
  for (const d of order) {
    let best = -1;
    let bestIou = MATCH_IOU;
    faces.forEach((f, j) => {
      if (claimed[j]) return;
      const v = iou(d, f);
      if (v >= bestIou) {
        best = j;
        bestIou = v;
      }
    });
    if (best < 0) falseDetections++;
    else claimed[best] = true;
  }
  const counts: MatchCounts = { faces: 0, faces40: 0, found: 0, found40: 0, falseDetections };
  faces.forEach((f, j) => {
    if (f.invalid) return;
    const big = Math.max(f.width, f.height) >= minFace;
    counts.faces++;
    if (big) counts.faces40++;
    if (claimed[j]) {
      counts.found++;
      if (big) counts.found40++;
    }
  });
  return counts;
}

/** The figures `detect-eval` reports for one detector (`--json` prints exactly this object). */
export interface DetectorEvaluation {
  detector: string;
  images: number;
  /** Valid annotated faces, all sizes. */
  faces: number;
  /** Share of valid faces >= 40 px found at IoU >= 0.5. */
  recall40: number;
  /** Found >=40 px faces / (found >=40 px faces + false detections); detections of smaller or invalid faces are ignored. */
  precision40: number;
  /** Share of all valid faces found. */
  recallAll: number;
  falsePerImage: number;
  /** Mean wall time of `detect()` per image (decoding excluded; one untimed warm-up call first). */
  msPerImage: number;
  /** DNN detectors: what ran the network (`onnxruntime` or `tfjs`). */
  engine?: "onnxruntime" | "tfjs";
}

/** Sums per-image counts into the reported figures. */
export function summarise(detector: string, perImage: readonly MatchCounts[], totalMs: number): DetectorEvaluation {
  const sum = perImage.reduce(
    (a, c) => ({
      faces: a.faces + c.faces,
      faces40: a.faces40 + c.faces40,
      found: a.found + c.found,
      found40: a.found40 + c.found40,
      falseDetections: a.falseDetections + c.falseDetections,
    }),
    { faces: 0, faces40: 0, found: 0, found40: 0, falseDetections: 0 },
  );
  const n = perImage.length;
  const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
  return {
    detector,
    images: n,
    faces: sum.faces,
    recall40: ratio(sum.found40, sum.faces40),
    precision40: ratio(sum.found40, sum.found40 + sum.falseDetections),
    recallAll: ratio(sum.found, sum.faces),
    falsePerImage: ratio(sum.falseDetections, n),
    msPerImage: ratio(totalMs, n),
  };
}

/**
 * Runs `detector` on every annotated image (loaded with `load`), matches its boxes and summarises.
 * `onImage` is told each image's detections (e.g. for progress or debugging).
 */
export async function evaluateDetector(
  detector: FaceDetector,
  annotated: readonly AnnotatedImage[],
  load: (file: string) => Promise<Image>,
  onImage?: (file: string, dets: readonly Detection[], counts: MatchCounts) => void,
): Promise<DetectorEvaluation> {
  const perImage: MatchCounts[] = [];
  let totalMs = 0;
  let warm = false;
  for (const entry of annotated) {
    const img = await load(entry.file);
    if (!warm) {
      await detector.detect(img);
      warm = true;
    }
    const t0 = performance.now();
    const dets = await detector.detect(img);
    totalMs += performance.now() - t0;
    const counts = matchImage(dets, entry.faces);
    perImage.push(counts);
    onImage?.(entry.file, dets, counts);
  }
  const summary = summarise(detector.name, perImage, totalMs);
  return detector.engine === undefined ? summary : { ...summary, engine: detector.engine };
}

/**
 * The figures a detector would give at each score threshold in `thresholds`, from its detections at a lower one
 * (`detections[i]` for `annotated[i]`, found with a `minScore` at or below every threshold). Exact for detectors
 * whose non-maximum suppression is greedy by score with no cap reached: a box never removes a better-scored one, so
 * the boxes kept at a threshold are the boxes kept at a lower one that score at least the threshold.
 */
export function evaluateAtThresholds(
  detector: string,
  annotated: readonly AnnotatedImage[],
  detections: readonly (readonly Detection[])[],
  thresholds: readonly number[],
  totalMs = 0,
): (DetectorEvaluation & { minScore: number })[] {
  return thresholds.map((t) => ({
    ...summarise(
      detector,
      annotated.map((entry, i) => matchImage(detections[i]!.filter((d) => (d.score ?? 0) >= t), entry.faces)),
      totalMs,
    ),
    minScore: t,
  }));
}
