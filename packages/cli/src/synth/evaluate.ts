import type { Detection, FaceDetector, FaceLandmarks } from "@fer/face-detect";
import { frameFace, prepareFaceBytes, type Box, type EyePoints, type FaceDataset, type GrayImage } from "@fer/preprocess";
import type { Pipeline } from "@fer/pipeline";
import { boxIou, portraitSpec, renderPortrait, type BackgroundPhoto, type PortraitSpec, type PortraitOptions, type SyntheticPortrait } from "./portraits.js";

/**
 * How a detected face is framed in the sweep: the crop margin and the alignment. `align: "landmarks"` turns the face
 * by the detector's eyes (only detectors with landmarks); `"truth"` by the angle the face was really turned (a
 * diagnostic: what a perfect landmark detector would give).
 */
export interface FramingConfig {
  readonly margin: number;
  readonly align: "off" | "landmarks" | "truth";
  /** `frameFace`'s offset (the square moved down the face by this fraction of the box's longer side). Default 0. */
  readonly offset?: number;
}

/** Scale buckets (face side / frame's shorter side): lower bounds, each up to the next. */
export const SCALE_BUCKETS = [0.1, 0.15, 0.25, 0.4, 0.6, 0.8] as const;
/** Angle buckets (absolute rotation, degrees): lower bounds, each up to the next (the last up to 30). */
export const ANGLE_BUCKETS = [0, 5, 10, 15, 20, 25] as const;

/** Options of {@link evaluateSyntheticPortraits}. */
export interface SynthEvalOptions extends PortraitOptions {
  /** Faces (48x48 gray) the portraits are made of, with labels in `pipeline.classes` order of the dataset's classes. */
  readonly faces: FaceDataset;
  /** Detectors to measure (not disposed here). */
  readonly detectors: readonly FaceDetector[];
  /** Framings to sweep. */
  readonly framings: readonly FramingConfig[];
  /** The classifier (its detector is not used). */
  readonly pipeline: Pipeline;
  /** Photos for "photo" backgrounds. */
  readonly photos?: readonly BackgroundPhoto[];
  /**
   * Also measure a pseudo-detector named "truth" that returns the face's true square (with the true eye line as
   * landmarks): the framing cost when detection is perfect, i.e. the cost of the rendering itself. Default false.
   */
  readonly truthDetector?: boolean;
  /** Called after each portrait. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called after each (detector, framing) block of crops is classified, once all portraits are done. */
  readonly onClassified?: (done: number, total: number) => void;
  /** Called with each rendered portrait and what each detector found (e.g. to draw a contact sheet). */
  readonly onPortrait?: (portrait: SyntheticPortrait, found: ReadonlyMap<string, DetectorOutcome>, face: number) => void | Promise<void>;
}

/** What one detector did on one portrait. */
export interface DetectorOutcome {
  /** The detection matching the face (IoU >= 0.3 with the face square and its centre inside it), if any. */
  readonly match?: Detection;
  /** Boxes that are not the face. */
  readonly falseBoxes: number;
  /** Every box the detector returned (the match among them). */
  readonly found: readonly Detection[];
  readonly ms: number;
}

/** Detection rates of one detector. */
export interface DetectionSummary {
  readonly detector: string;
  readonly portraits: number;
  readonly detected: number;
  /** `[bucket lower bound, detected, total]` per scale bucket. */
  readonly byScale: ReadonlyArray<readonly [number, number, number]>;
  /** `[bucket lower bound, detected, total]` per |angle| bucket. */
  readonly byAngle: ReadonlyArray<readonly [number, number, number]>;
  /** Detected / total on portraits with scale in [0.15, 1] and |angle| <= 20 (the issue's goal: all). */
  readonly core: readonly [number, number];
  /** Detected / total outside that range: faces under 15% of the frame, and faces of 15-100% turned beyond 20°. */
  readonly small: readonly [number, number];
  readonly turned: readonly [number, number];
  /** Indices of the portraits of the core range whose face was missed. */
  readonly coreMissed: readonly number[];
  readonly falseBoxesPerImage: number;
  readonly msPerImage: number;
}

/** The classifier's accuracy on one detector's crops under one framing. */
export interface FramingAccuracy {
  readonly detector: string;
  readonly framing: FramingConfig;
  /** Faces detected (the crops classified). */
  readonly faces: number;
  /** Accuracy on those crops. */
  readonly accuracy: number;
  /** Accuracy on the original 48x48 faces of the same portraits. */
  readonly originalAccuracy: number;
  /** `originalAccuracy - accuracy`, in points: what detection framing costs. */
  readonly gapPoints: number;
  /** Correct / all portraits (a missed face counts as wrong). */
  readonly endToEnd: number;
  /** `[bucket lower bound, faces, right on the crops, right on their originals]` per scale bucket. */
  readonly byScale: ReadonlyArray<readonly [number, number, number, number]>;
  /** The same per |angle| bucket. */
  readonly byAngle: ReadonlyArray<readonly [number, number, number, number]>;
}

/** The result of {@link evaluateSyntheticPortraits}. */
export interface SynthEvalResult {
  readonly portraits: number;
  /** Accuracy on the original 48x48 faces of all portraits. */
  readonly originalAccuracy: number;
  readonly detection: DetectionSummary[];
  readonly accuracy: FramingAccuracy[];
}

/**
 * Which part of the set a portrait belongs to: `core` (the face covers 15%-100% of the frame's shorter side and is
 * turned at most 20°: issue 20 asks for every face there), `small` (under 15%) or `turned` (15%-100%, beyond 20°).
 */
export function rangeOf(spec: Pick<PortraitSpec, "scale" | "angle">): "core" | "small" | "turned" {
  if (spec.scale < 0.15) return "small";
  return Math.abs(spec.angle) <= 20 ? "core" : "turned";
}

function bucketOf(bounds: readonly number[], v: number): number {
  let b = 0;
  for (let i = 0; i < bounds.length; i++) if (v >= (bounds[i] as number) - 1e-9) b = i;
  return b;
}

/** The detection that is the face: the best IoU with the face square, at least 0.3, its centre inside the square. */
export function matchFace(found: readonly Detection[], face: Box): { match?: Detection; falseBoxes: number } {
  let best: Detection | undefined;
  let bestIou = 0.3;
  for (const d of found) {
    const cx = d.x + d.width / 2;
    const cy = d.y + d.height / 2;
    if (cx < face.x || cx > face.x + face.width || cy < face.y || cy > face.y + face.height) continue;
    const iou = boxIou(d, face);
    if (iou >= bestIou) {
      best = d;
      bestIou = iou;
    }
  }
  return { ...(best !== undefined ? { match: best } : {}), falseBoxes: found.length - (best === undefined ? 0 : 1) };
}

/** The eyes frameFace needs to turn a face by `angleDeg` (clockwise on screen): a level segment turned the same way. */
function eyesForAngle(box: Box, angleDeg: number): EyePoints {
  const t = (angleDeg * Math.PI) / 180;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return { leftEye: [cx - Math.cos(t), cy - Math.sin(t)], rightEye: [cx + Math.cos(t), cy + Math.sin(t)] };
}

/** Five landmarks whose eye line is turned by `angleDeg` about the box centre (only the eyes are meaningful). */
function truthLandmarks(box: Box, angleDeg: number): FaceLandmarks {
  const { leftEye, rightEye } = eyesForAngle(box, angleDeg);
  const c: [number, number] = [box.x + box.width / 2, box.y + box.height / 2];
  return { leftEye: [...leftEye], rightEye: [...rightEye], nose: c, mouthLeft: c, mouthRight: c };
}

/** Framing label for tables: `margin 0.05, aligned by landmarks`. */
export function describeFraming(f: FramingConfig): string {
  return `margin ${f.margin}${f.offset ? `, offset ${f.offset}` : ""}${f.align === "off" ? "" : f.align === "landmarks" ? ", aligned (landmarks)" : ", aligned (true angle)"}`;
}

/**
 * The synthetic portrait evaluation: portrait `i` shows `faces` image `i` (see `renderPortrait`); every detector runs
 * on it; the face's detection is framed with every `framings` entry and classified by `pipeline` (as 48x48 gray bytes,
 * exactly what `Pipeline.analyze` feeds the featuriser), and compared with the pipeline on the original 48x48 face.
 */
export async function evaluateSyntheticPortraits(options: SynthEvalOptions): Promise<SynthEvalResult> {
  const { faces, detectors, framings, pipeline } = options;
  const n = faces.count;
  const size = faces.size;
  const photos = options.photos ?? [];
  const face48 = (i: number): GrayImage => ({ width: size, height: size, channels: 1, data: faces.pixels.subarray(i * size * size, (i + 1) * size * size) });
  const grayResize = { size: pipeline.featuriser.faceSize, contrast: "none" as const };
  const side = pipeline.featuriser.faceSize;
  type PerDetector = { outcomes: DetectorOutcome[]; crops: Map<string, { faces: number[]; pixels: Uint8Array[] }> };
  // The "truth" pseudo-detector finds exactly the face square, with the true eye line as its landmarks.
  const truth = { name: "truth", detect: async () => [] as Detection[] };
  const runners: ReadonlyArray<{ readonly name: string; detect(img: SyntheticPortrait["image"]): Promise<Detection[]> }> = [
    ...detectors,
    ...(options.truthDetector ? [truth] : []),
  ];
  const per = new Map<string, PerDetector>(runners.map((d) => [d.name, { outcomes: [], crops: new Map() }]));
  const specs: PortraitSpec[] = [];
  for (let i = 0; i < n; i++) {
    const spec = portraitSpec(i, options, photos.length > 0);
    specs.push(spec);
    const portrait = await renderPortrait(spec, face48(i), photos);
    const found = new Map<string, DetectorOutcome>();
    for (const det of runners) {
      const t0 = performance.now();
      const dets =
        det === truth
          ? [{ ...portrait.faceBox, landmarks: truthLandmarks(portrait.faceBox, spec.angle) }]
          : await det.detect(portrait.image);
      const ms = performance.now() - t0;
      const { match, falseBoxes } = matchFace(dets, portrait.faceBox);
      const outcome: DetectorOutcome = { ...(match !== undefined ? { match } : {}), falseBoxes, found: dets, ms };
      found.set(det.name, outcome);
      const entry = per.get(det.name) as PerDetector;
      entry.outcomes.push(outcome);
      if (match === undefined) continue;
      for (const f of framings) {
        if (f.align === "landmarks" && match.landmarks === undefined) continue;
        const eyes = f.align === "landmarks" ? match.landmarks : f.align === "truth" ? eyesForAngle(match, spec.angle) : undefined;
        const crop = frameFace(portrait.image, match, { margin: f.margin, offset: f.offset ?? 0, align: eyes !== undefined, ...(eyes !== undefined ? { eyes } : {}) });
        const key = JSON.stringify(f);
        let c = entry.crops.get(key);
        if (c === undefined) entry.crops.set(key, (c = { faces: [], pixels: [] }));
        c.faces.push(i);
        c.pixels.push(prepareFaceBytes(crop, grayResize).data);
      }
    }
    await options.onPortrait?.(portrait, found, i);
    options.onProgress?.(i + 1, n);
  }

  // The classifier's answers, in the pipeline's class order; dataset labels mapped by name.
  const labelOf = (i: number) => pipeline.classes.indexOf(faces.classes[faces.labels[i] as number] as string);
  const predict = async (pixels: Uint8Array, count: number) => (await pipeline.classifyGrayBlock(pixels, count)).map((s) => pipeline.classes.indexOf(s.emotion));
  const original = await predict(faces.pixels, n);
  const originalRight = original.map((p, i) => p === labelOf(i));

  const detection: DetectionSummary[] = [];
  const accuracy: FramingAccuracy[] = [];
  const blocks = [...per.values()].reduce((k, e) => k + e.crops.size, 0);
  let classified = 0;
  for (const det of runners) {
    const entry = per.get(det.name) as PerDetector;
    const byScale = SCALE_BUCKETS.map((b) => [b, 0, 0] as [number, number, number]);
    const byAngle = ANGLE_BUCKETS.map((b) => [b, 0, 0] as [number, number, number]);
    const core: [number, number] = [0, 0];
    const small: [number, number] = [0, 0];
    const turned: [number, number] = [0, 0];
    const coreMissed: number[] = [];
    let detected = 0;
    let falseBoxes = 0;
    let ms = 0;
    entry.outcomes.forEach((o, i) => {
      const spec = specs[i]!;
      const hit = o.match !== undefined ? 1 : 0;
      const s = byScale[bucketOf(SCALE_BUCKETS, spec.scale)]!;
      const a = byAngle[bucketOf(ANGLE_BUCKETS, Math.abs(spec.angle))]!;
      s[1] += hit;
      s[2]++;
      a[1] += hit;
      a[2]++;
      const range = rangeOf(spec);
      const counts = range === "core" ? core : range === "small" ? small : turned;
      counts[0] += hit;
      counts[1]++;
      if (range === "core" && hit === 0) coreMissed.push(i);
      detected += hit;
      falseBoxes += o.falseBoxes;
      ms += o.ms;
    });
    detection.push({ detector: det.name, portraits: n, detected, byScale, byAngle, core, small, turned, coreMissed, falseBoxesPerImage: falseBoxes / n, msPerImage: ms / n });
    for (const f of framings) {
      const c = entry.crops.get(JSON.stringify(f));
      if (c === undefined) continue;
      const block = new Uint8Array(c.faces.length * side * side);
      c.pixels.forEach((p, k) => block.set(p, k * side * side));
      const pred = await predict(block, c.faces.length);
      let right = 0;
      let origRight = 0;
      const gapByScale = SCALE_BUCKETS.map((b) => [b, 0, 0, 0] as [number, number, number, number]);
      const gapByAngle = ANGLE_BUCKETS.map((b) => [b, 0, 0, 0] as [number, number, number, number]);
      c.faces.forEach((i, k) => {
        const ok = pred[k] === labelOf(i) ? 1 : 0;
        const orig = originalRight[i] ? 1 : 0;
        right += ok;
        origRight += orig;
        for (const t of [gapByScale[bucketOf(SCALE_BUCKETS, specs[i]!.scale)]!, gapByAngle[bucketOf(ANGLE_BUCKETS, Math.abs(specs[i]!.angle))]!]) {
          t[1]++;
          t[2] += ok;
          t[3] += orig;
        }
      });
      const acc = right / c.faces.length;
      const orig = origRight / c.faces.length;
      accuracy.push({ detector: det.name, framing: f, faces: c.faces.length, accuracy: acc, originalAccuracy: orig, gapPoints: (orig - acc) * 100, endToEnd: right / n, byScale: gapByScale, byAngle: gapByAngle });
      options.onClassified?.(++classified, blocks);
    }
  }
  return { portraits: n, originalAccuracy: originalRight.filter(Boolean).length / n, detection, accuracy };
}
