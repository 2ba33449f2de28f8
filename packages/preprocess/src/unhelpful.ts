import type { FaceDataset } from "./dataset.js";

/** Why {@link findUnhelpfulImages} flags an image. */
export type UnhelpfulKind =
  /** Every pixel has the same value. */
  | "blank"
  /** Standard deviation below 2 grey levels: nothing to learn. */
  | "near-constant"
  /** At least 70% of the pixels lie within ±6 grey levels of the most common value: placeholder icons and
   * "image unavailable / this person moved or deleted this image" text cards, line drawings, washed-out scans. */
  | "mostly-uniform"
  /** A flat background (mode >= 30% of pixels) and almost no mid-tones, or two flat plateaus covering >= 82%:
   * black-and-white graphics (warning triangles, "no entry" signs, text). */
  | "two-tone-graphic"
  /** Exact pixel copy of other images that carry a DIFFERENT label: every copy is flagged (the label is ambiguous). */
  | "conflicting-duplicate"
  /** Exact pixel copy of an earlier image with the same label: the first copy is kept, later ones are flagged. */
  | "duplicate";

/** One flagged image. */
export interface UnhelpfulImage {
  /** Index in the dataset. */
  index: number;
  /** `ds.ids[index]`. */
  id: string;
  kind: UnhelpfulKind;
  /** Human-readable reason, e.g. `"blank (all pixels 0)"` or `"duplicate of happy/Training_1.jpg"`. */
  reason: string;
}

/** Thresholds of {@link findUnhelpfulImages}; the defaults were chosen by looking at the flagged FER2013 train images. */
export interface UnhelpfulOptions {
  /** Standard deviation (grey levels) below which an image is near-constant. Default 2. */
  minStd?: number;
  /** Fraction of pixels within ±6 of the mode at or above which an image is mostly uniform. Default 0.7. */
  maxUniformFraction?: number;
  /** Whether to look for exact duplicates. Default true. */
  duplicates?: boolean;
}

/** Pixel statistics of one face used by the heuristics. */
export interface FaceStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Most common grey value and the fraction of pixels that have it. */
  mode: number;
  modeFraction: number;
  /** Fraction within ±6 grey levels of the mode. */
  nearModeFraction: number;
  /** Fraction within ±6 of the mode or of the strongest value at least 40 levels away from it. */
  twoPlateauFraction: number;
  /** Fraction of mid-tones (48..207). */
  midToneFraction: number;
}

function within(hist: Int32Array, centre: number, tol: number): number {
  let s = 0;
  for (let v = Math.max(0, centre - tol); v <= Math.min(255, centre + tol); v++) s += hist[v]!;
  return s;
}

/** Computes {@link FaceStats} of `n` gray pixels of `pixels` starting at `offset`. */
export function faceStats(pixels: Uint8Array, offset: number, n: number): FaceStats {
  const hist = new Int32Array(256);
  let sum = 0;
  let sum2 = 0;
  for (let k = 0; k < n; k++) {
    const v = pixels[offset + k]!;
    hist[v]!++;
    sum += v;
    sum2 += v * v;
  }
  let min = 0;
  while (min < 255 && hist[min] === 0) min++;
  let max = 255;
  while (max > 0 && hist[max] === 0) max--;
  let mode = 0;
  for (let v = 1; v < 256; v++) if (hist[v]! > hist[mode]!) mode = v;
  let second = -1;
  for (let v = 0; v < 256; v++) if (Math.abs(v - mode) > 40 && (second < 0 || hist[v]! > hist[second]!)) second = v;
  let mid = 0;
  for (let v = 48; v < 208; v++) mid += hist[v]!;
  const mean = sum / n;
  const near = within(hist, mode, 6);
  return {
    min,
    max,
    mean,
    std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)),
    mode,
    modeFraction: hist[mode]! / n,
    nearModeFraction: near / n,
    twoPlateauFraction: (near + (second >= 0 ? within(hist, second, 6) : 0)) / n,
    midToneFraction: mid / n,
  };
}

/** FNV-1a over a byte range, for duplicate buckets (collisions are resolved by comparing bytes). */
function hashBytes(a: Uint8Array, off: number, n: number): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < n; k++) h = Math.imul(h ^ a[off + k]!, 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, i: number, b: Uint8Array, j: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (a[i + k] !== b[j + k]) return false;
  return true;
}

/** Groups of indices whose pixels are exactly equal (only groups of 2 or more), each sorted ascending. */
export function findDuplicateGroups(ds: FaceDataset): number[][] {
  const n = ds.size * ds.size;
  const buckets = new Map<number, number[][]>();
  for (let i = 0; i < ds.count; i++) {
    const h = hashBytes(ds.pixels, i * n, n);
    let groups = buckets.get(h);
    if (!groups) buckets.set(h, (groups = []));
    const g = groups.find((grp) => sameBytes(ds.pixels, grp[0]! * n, ds.pixels, i * n, n));
    if (g) g.push(i);
    else groups.push([i]);
  }
  const out: number[][] = [];
  for (const groups of buckets.values()) for (const g of groups) if (g.length > 1) out.push(g);
  return out.sort((a, b) => a[0]! - b[0]!);
}

/**
 * Images of `b` whose pixels exactly equal an image of `a` (e.g. test images that also sit in train):
 * `index`/`id` in b, `matchIndex`/`matchId` of the first equal image in a. Both datasets must share the size.
 */
export function findCrossDuplicates(a: FaceDataset, b: FaceDataset): Array<{ index: number; id: string; matchIndex: number; matchId: string }> {
  if (a.size !== b.size) throw new RangeError(`findCrossDuplicates: sizes differ (${a.size} vs ${b.size})`);
  const n = a.size * a.size;
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < a.count; i++) {
    const h = hashBytes(a.pixels, i * n, n);
    const list = buckets.get(h);
    if (list) list.push(i);
    else buckets.set(h, [i]);
  }
  const out: Array<{ index: number; id: string; matchIndex: number; matchId: string }> = [];
  for (let j = 0; j < b.count; j++) {
    const list = buckets.get(hashBytes(b.pixels, j * n, n));
    const m = list?.find((i) => sameBytes(a.pixels, i * n, b.pixels, j * n, n));
    if (m !== undefined) out.push({ index: j, id: b.ids[j]!, matchIndex: m, matchId: a.ids[m]! });
  }
  return out;
}

/**
 * Finds TRAINING images that cannot help a classifier, as the study did by hand: blank and near-constant
 * images, placeholder graphics and text cards (mostly uniform or two-tone), and exact duplicates (later copies
 * with the same label; every copy when the labels disagree). One entry per flagged image, in index order,
 * with the first reason that applies. Training may drop them; evaluation sets must never be filtered.
 */
export function findUnhelpfulImages(ds: FaceDataset, options: UnhelpfulOptions = {}): UnhelpfulImage[] {
  const minStd = options.minStd ?? 2;
  const maxUniform = options.maxUniformFraction ?? 0.7;
  const n = ds.size * ds.size;
  const flagged = new Map<number, { kind: UnhelpfulKind; reason: string }>();
  for (let i = 0; i < ds.count; i++) {
    const s = faceStats(ds.pixels, i * n, n);
    if (s.min === s.max) flagged.set(i, { kind: "blank", reason: `blank (all pixels ${s.min})` });
    else if (s.std < minStd) flagged.set(i, { kind: "near-constant", reason: `near-constant (std ${s.std.toFixed(2)} < ${minStd})` });
    else if (s.nearModeFraction >= maxUniform) {
      flagged.set(i, { kind: "mostly-uniform", reason: `mostly uniform (${(100 * s.nearModeFraction).toFixed(0)}% of pixels within ±6 of ${s.mode})` });
    } else if (s.modeFraction >= 0.3 && (s.midToneFraction <= 0.15 || s.twoPlateauFraction >= 0.82)) {
      flagged.set(i, {
        kind: "two-tone-graphic",
        reason: `two-tone graphic (${(100 * s.modeFraction).toFixed(0)}% at ${s.mode}, ${(100 * s.midToneFraction).toFixed(0)}% mid-tones)`,
      });
    }
  }
  if (options.duplicates !== false) {
    for (const group of findDuplicateGroups(ds)) {
      const labels = new Set(group.map((i) => ds.labels[i]!));
      if (labels.size > 1) {
        for (const i of group) {
          if (flagged.has(i)) continue;
          const others = group.filter((j) => j !== i).map((j) => `${ds.ids[j]} (${ds.classes[ds.labels[j]!]})`);
          flagged.set(i, { kind: "conflicting-duplicate", reason: `same pixels as ${others.join(", ")} with a different label` });
        }
      } else {
        for (const i of group.slice(1)) if (!flagged.has(i)) flagged.set(i, { kind: "duplicate", reason: `duplicate of ${ds.ids[group[0]!]}` });
      }
    }
  }
  return [...flagged.entries()].sort((a, b) => a[0] - b[0]).map(([index, f]) => ({ index, id: ds.ids[index]!, ...f }));
}
