/**
 * On-the-fly augmentation of training faces (square gray faces as floats in [0, 1], back to back), seeded per batch.
 * Every face goes, in order, through: horizontal flip → one affine warp (rotation, scale, translation; bilinear, the
 * border repeated) → down-and-up resampling (low resolution) → Gaussian blur → brightness/contrast → JPEG compression
 * → random erasing. Each step is off unless its option is set. Batch-level mixup/cutmix is in {@link mixBatch}.
 */
export interface AugmentSpec {
  /** Mirror each face left-right with probability 1/2. */
  readonly flip?: boolean;
  /** Random crop with padding: translate by up to this many pixels in x and y (uniform, sub-pixel). */
  readonly crop?: number;
  /** Rotate by up to this many degrees either way. */
  readonly rotate?: number;
  /** Zoom by a factor in [1 - scale, 1 + scale] (a detector's box that is too tight or too loose). */
  readonly scale?: number;
  /** Probability of resampling the face down to a side in [lowres·size, size) and back up (a small face in a photo). */
  readonly lowres?: number;
  /** Blur half of the faces with a Gaussian of sigma uniform in (0, blur] pixels. */
  readonly blur?: number;
  /** Add a brightness offset uniform in [-brightness, brightness] (inputs in [0, 1]). */
  readonly brightness?: number;
  /** Multiply the deviations from the face's mean by a factor in [1 - contrast, 1 + contrast]. */
  readonly contrast?: number;
  /** Compress half of the faces as a baseline JPEG's luminance would be, at a quality uniform in [jpeg, 95]. */
  readonly jpeg?: number;
  /** Probability of erasing one random rectangle (2–25% of the face, aspect 0.3–3.3) with uniform noise (Zhong et al. 2020). */
  readonly erase?: number;
  /** Mixup (Zhang et al. 2018): mix each batch with a shuffled copy of itself, λ ~ Beta(mixup, mixup). Needs soft targets. */
  readonly mixup?: number;
  /** CutMix (Yun et al. 2019): paste a box of a shuffled copy, area 1 - λ, λ ~ Beta(cutmix, cutmix). With mixup: one of the two per batch, at random. */
  readonly cutmix?: number;
}

/** Named sets of {@link AugmentSpec}s for `fer train --augment`. */
export const AUGMENT_PRESETS: Readonly<Record<string, AugmentSpec>> = {
  /** The usual CIFAR/FER recipe: flips, crops, small rotations and zooms, lighting, erasing. */
  standard: { flip: true, crop: 4, rotate: 10, scale: 0.1, brightness: 0.15, contrast: 0.25, erase: 0.25 },
  /** `standard` plus what a face detector's crop of a photo does: looser framing, low resolution, blur, JPEG. */
  detector: { flip: true, crop: 5, rotate: 15, scale: 0.15, lowres: 0.5, blur: 1.2, brightness: 0.2, contrast: 0.3, jpeg: 30, erase: 0.25 },
};

const NUMERIC_KEYS = ["crop", "rotate", "scale", "lowres", "blur", "brightness", "contrast", "jpeg", "erase", "mixup", "cutmix"] as const;

/**
 * Parses `--augment`: comma-separated presets and `key=value` items, later ones overriding earlier ones, e.g.
 * `standard`, `detector,mixup=0.2`, `flip,crop=4,erase=0.5`, or `none`. Throws a RangeError naming a bad item.
 */
export function parseAugmentSpec(text: string): AugmentSpec {
  const spec: Record<string, number | boolean> = {};
  for (const raw of text.split(",")) {
    const item = raw.trim();
    if (item === "" || item === "none") continue;
    const preset = AUGMENT_PRESETS[item];
    if (preset !== undefined) {
      Object.assign(spec, preset);
      continue;
    }
    if (item === "flip" || item === "noflip") {
      spec.flip = item === "flip";
      continue;
    }
    const [key, value] = item.split("=");
    if (!(NUMERIC_KEYS as readonly string[]).includes(key!) || value === undefined) {
      throw new RangeError(`unknown augmentation "${item}": use ${Object.keys(AUGMENT_PRESETS).join(", ")}, none, flip, noflip or ${NUMERIC_KEYS.map((k) => `${k}=X`).join(", ")}`);
    }
    spec[key!] = Number(value);
  }
  const out = spec as AugmentSpec;
  assertAugmentSpec(out);
  return out;
}

/** Throws a RangeError naming the first option of `spec` out of its range. */
export function assertAugmentSpec(spec: AugmentSpec): void {
  const check = (name: keyof AugmentSpec, ok: (v: number) => boolean, range: string) => {
    const v = spec[name];
    if (v !== undefined && typeof v === "number" && !(Number.isFinite(v) && ok(v))) throw new RangeError(`augmentation ${name} must be ${range}, got ${v}`);
  };
  check("crop", (v) => v >= 0 && v < 24, "in [0, 24) pixels");
  check("rotate", (v) => v >= 0 && v <= 45, "in [0, 45] degrees");
  check("scale", (v) => v >= 0 && v < 0.5, "in [0, 0.5)");
  check("lowres", (v) => v > 0 && v <= 1, "in (0, 1]");
  check("blur", (v) => v >= 0 && v <= 3, "in [0, 3] pixels");
  check("brightness", (v) => v >= 0 && v <= 1, "in [0, 1]");
  check("contrast", (v) => v >= 0 && v < 1, "in [0, 1)");
  check("jpeg", (v) => v >= 5 && v <= 95, "a quality in [5, 95]");
  check("erase", (v) => v >= 0 && v <= 1, "a probability in [0, 1]");
  check("mixup", (v) => v > 0, "a Beta parameter > 0");
  check("cutmix", (v) => v > 0, "a Beta parameter > 0");
}

/** Whether a spec changes anything per face (mixup/cutmix aside). */
export function augmentsFaces(spec: AugmentSpec): boolean {
  return spec.flip === true || NUMERIC_KEYS.some((k) => k !== "mixup" && k !== "cutmix" && (spec[k] ?? 0) > 0);
}

/** Whether a spec mixes faces of a batch (and so needs soft targets). */
export function mixesBatches(spec: AugmentSpec): boolean {
  return (spec.mixup ?? 0) > 0 || (spec.cutmix ?? 0) > 0;
}

/** A spec in words, for model cards: the set options as `key=value`. */
export function describeAugmentSpec(spec: AugmentSpec): string {
  const parts: string[] = [];
  if (spec.flip === true) parts.push("flip");
  for (const k of NUMERIC_KEYS) if ((spec[k] ?? 0) > 0) parts.push(`${k}=${spec[k]}`);
  return parts.length === 0 ? "none" : parts.join(",");
}

/** Scratch buffers for {@link augmentFaces}, sized for one face. */
export interface AugmentScratch {
  readonly a: Float32Array;
  readonly b: Float32Array;
}

/** Allocates scratch buffers for faces of side `size`. */
export function augmentScratch(size: number): AugmentScratch {
  return { a: new Float32Array(size * size), b: new Float32Array(size * size) };
}

const uniform = (rand: () => number, lo: number, hi: number) => lo + (hi - lo) * rand();

/** Bilinear sample of `src` at (x, y), coordinates clamped to the face (the border repeats). */
function sample(src: Float32Array, size: number, x: number, y: number): number {
  const cx = Math.min(Math.max(x, 0), size - 1);
  const cy = Math.min(Math.max(y, 0), size - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, size - 1);
  const y1 = Math.min(y0 + 1, size - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const top = src[y0 * size + x0]! * (1 - fx) + src[y0 * size + x1]! * fx;
  const bottom = src[y1 * size + x0]! * (1 - fx) + src[y1 * size + x1]! * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Warps `face` in place: output pixel p takes the input at c + A⁻¹(p - c - t), with A = scale·rotation and the
 * mirror folded in, c the centre. `tmp` holds one face.
 */
function warp(face: Float32Array, size: number, flip: boolean, angle: number, zoom: number, tx: number, ty: number, tmp: Float32Array): void {
  tmp.set(face);
  const c = (size - 1) / 2;
  const cos = Math.cos(angle) / zoom;
  const sin = Math.sin(angle) / zoom;
  for (let y = 0; y < size; y++) {
    const dy = y - c - ty;
    for (let x = 0; x < size; x++) {
      const dx = x - c - tx;
      let sx = cos * dx + sin * dy;
      const sy = -sin * dx + cos * dy;
      if (flip) sx = -sx;
      face[y * size + x] = sample(tmp, size, c + sx, c + sy);
    }
  }
}

/** Resamples `face` to side `small` and back (bilinear both ways; the detail of a face `small` pixels wide). */
function lowResolution(face: Float32Array, size: number, small: number, tmp: Float32Array): void {
  const ratio = size / small;
  for (let y = 0; y < small; y++) {
    for (let x = 0; x < small; x++) tmp[y * small + x] = sample(face, size, (x + 0.5) * ratio - 0.5, (y + 0.5) * ratio - 0.5);
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) face[y * size + x] = sample(tmp, small, (x + 0.5) / ratio - 0.5, (y + 0.5) / ratio - 0.5);
  }
}

/** Separable Gaussian blur of sigma `sigma`, border repeated. */
function gaussianBlur(face: Float32Array, size: number, sigma: number, tmp: Float32Array): void {
  const radius = Math.max(1, Math.ceil(2.5 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += kernel[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k]! /= sum;
  const clamp = (v: number) => Math.min(Math.max(v, 0), size - 1);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * face[y * size + clamp(x + k)]!;
      tmp[y * size + x] = acc;
    }
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * tmp[clamp(y + k) * size + x]!;
      face[y * size + x] = acc;
    }
  }
}

/** The IJG (libjpeg) standard luminance quantisation table, in row-major order. */
const LUMA_TABLE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35,
  55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** DCT-II basis: DCT[u * 8 + x] = C(u)/2 · cos((2x + 1)uπ / 16). */
const DCT = Float64Array.from({ length: 64 }, (_, i) => {
  const u = Math.floor(i / 8);
  const x = i % 8;
  return (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

/** The quantisation table libjpeg uses at `quality` (1..100). */
export function jpegQuantTable(quality: number): Float64Array {
  const q = Math.min(Math.max(Math.round(quality), 1), 100);
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return Float64Array.from(LUMA_TABLE, (t) => Math.min(Math.max(Math.floor((t * scale + 50) / 100), 1), 255));
}

/**
 * What baseline JPEG at `quality` does to a gray face whose side is a multiple of 8: levels rounded to 0..255, each
 * 8x8 block's DCT coefficients rounded to multiples of the quality's quantisation table, decoded back (entropy coding
 * is lossless, so this is the whole loss of a one-component JPEG). Values in [0, 1].
 */
export function jpegRoundTrip(face: Float32Array, size: number, quality: number): void {
  const table = jpegQuantTable(quality);
  const block = new Float64Array(64);
  const coef = new Float64Array(64);
  const tmp = new Float64Array(64);
  for (let by = 0; by + 8 <= size; by += 8) {
    for (let bx = 0; bx + 8 <= size; bx += 8) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) block[y * 8 + x] = Math.round(Math.min(Math.max(face[(by + y) * size + bx + x]!, 0), 1) * 255) - 128;
      }
      // Separable 2-D DCT: along rows into tmp, then along columns; quantise; the inverse the same way back.
      for (let y = 0; y < 8; y++) {
        for (let u = 0; u < 8; u++) {
          let acc = 0;
          for (let x = 0; x < 8; x++) acc += DCT[u * 8 + x]! * block[y * 8 + x]!;
          tmp[y * 8 + u] = acc;
        }
      }
      for (let v = 0; v < 8; v++) {
        for (let u = 0; u < 8; u++) {
          let acc = 0;
          for (let y = 0; y < 8; y++) acc += DCT[v * 8 + y]! * tmp[y * 8 + u]!;
          const q = table[v * 8 + u]!;
          coef[v * 8 + u] = Math.round(acc / q) * q;
        }
      }
      for (let y = 0; y < 8; y++) {
        for (let u = 0; u < 8; u++) {
          let acc = 0;
          for (let v = 0; v < 8; v++) acc += DCT[v * 8 + y]! * coef[v * 8 + u]!;
          tmp[y * 8 + u] = acc;
        }
      }
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          let acc = 0;
          for (let u = 0; u < 8; u++) acc += DCT[u * 8 + x]! * tmp[y * 8 + u]!;
          face[(by + y) * size + bx + x] = Math.min(Math.max(Math.round(acc + 128), 0), 255) / 255;
        }
      }
    }
  }
}

/**
 * Augments the first `count` faces of a [N, size * size] block (values in [0, 1]) in place as `spec` says, drawing
 * every random number from `rand` in a fixed order, so the same (spec, rand seed, faces) always gives the same result.
 */
export function augmentFaces(faces: Float32Array, count: number, size: number, spec: AugmentSpec, rand: () => number, scratch: AugmentScratch): void {
  if (!augmentsFaces(spec)) return;
  const per = size * size;
  const crop = spec.crop ?? 0;
  const rotate = ((spec.rotate ?? 0) * Math.PI) / 180;
  const zoom = spec.scale ?? 0;
  for (let f = 0; f < count; f++) {
    const face = faces.subarray(f * per, (f + 1) * per);
    // Every draw is made whether or not its step applies, so one option never shifts another's random numbers.
    const flip = spec.flip === true && rand() < 0.5;
    const angle = uniform(rand, -rotate, rotate);
    const factor = 1 + uniform(rand, -zoom, zoom);
    const tx = uniform(rand, -crop, crop);
    const ty = uniform(rand, -crop, crop);
    const lowresOn = rand() < 0.5;
    const small = Math.max(4, Math.round(size * uniform(rand, spec.lowres ?? 1, 1)));
    const blurOn = rand() < 0.5;
    const sigma = (spec.blur ?? 0) * (1 - rand());
    const offset = uniform(rand, -(spec.brightness ?? 0), spec.brightness ?? 0);
    const gain = 1 + uniform(rand, -(spec.contrast ?? 0), spec.contrast ?? 0);
    const jpegOn = rand() < 0.5;
    const quality = uniform(rand, spec.jpeg ?? 95, 95);
    const eraseOn = rand() < (spec.erase ?? 0);

    if (flip || angle !== 0 || factor !== 1 || tx !== 0 || ty !== 0) warp(face, size, flip, angle, factor, tx, ty, scratch.a);
    if (spec.lowres !== undefined && spec.lowres < 1 && lowresOn && small < size) lowResolution(face, size, small, scratch.a);
    if ((spec.blur ?? 0) > 0 && blurOn && sigma > 0.05) gaussianBlur(face, size, sigma, scratch.a);
    if (offset !== 0 || gain !== 1) {
      let mean = 0;
      for (let k = 0; k < per; k++) mean += face[k]!;
      mean /= per;
      for (let k = 0; k < per; k++) face[k] = Math.min(Math.max(mean + gain * (face[k]! - mean) + offset, 0), 1);
    }
    if (spec.jpeg !== undefined && jpegOn && size % 8 === 0) jpegRoundTrip(face, size, quality);
    if (eraseOn) {
      const area = per * uniform(rand, 0.02, 0.25);
      const aspect = Math.exp(uniform(rand, Math.log(0.3), Math.log(3.3)));
      const h = Math.min(size, Math.max(1, Math.round(Math.sqrt(area * aspect))));
      const w = Math.min(size, Math.max(1, Math.round(Math.sqrt(area / aspect))));
      const y0 = Math.floor(rand() * (size - h + 1));
      const x0 = Math.floor(rand() * (size - w + 1));
      for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) face[y * size + x] = rand();
    }
  }
}

/** A Gamma(shape, 1) draw (Marsaglia & Tsang 2000; shape < 1 by the boost u^(1/shape)). */
function gamma(rand: () => number, shape: number): number {
  if (shape < 1) return gamma(rand, shape + 1) * Math.pow(1 - rand(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      // Box–Muller normal.
      x = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rand();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, a) draw. */
export function betaSample(rand: () => number, a: number): number {
  const x = gamma(rand, a);
  const y = gamma(rand, a);
  return x + y === 0 ? 0.5 : x / (x + y);
}

/**
 * Mixup or CutMix on the first `count` faces and their target rows (`targets`: [N, classes], each a distribution),
 * in place, pairing each face with a shuffled partner. Returns λ (the share of each face's own content), or 1 when the
 * spec mixes nothing. `tmp*` hold a copy of the faces and targets.
 */
export function mixBatch(
  faces: Float32Array,
  targets: Float32Array,
  count: number,
  size: number,
  classes: number,
  spec: AugmentSpec,
  rand: () => number,
  tmpFaces: Float32Array,
  tmpTargets: Float32Array,
): number {
  if (!mixesBatches(spec) || count < 2) return 1;
  const per = size * size;
  const useCutmix = (spec.cutmix ?? 0) > 0 && ((spec.mixup ?? 0) <= 0 || rand() < 0.5);
  let lambda = betaSample(rand, useCutmix ? spec.cutmix! : spec.mixup!);
  const partner = Uint32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [partner[i], partner[j]] = [partner[j]!, partner[i]!];
  }
  tmpFaces.set(faces.subarray(0, count * per));
  tmpTargets.set(targets.subarray(0, count * classes));
  if (useCutmix) {
    const cut = Math.sqrt(1 - lambda);
    const h = Math.round(size * cut);
    const w = Math.round(size * cut);
    const cy = Math.floor(rand() * size);
    const cx = Math.floor(rand() * size);
    const y0 = Math.max(0, cy - (h >> 1));
    const y1 = Math.min(size, cy - (h >> 1) + h);
    const x0 = Math.max(0, cx - (w >> 1));
    const x1 = Math.min(size, cx - (w >> 1) + w);
    lambda = 1 - ((y1 - y0) * (x1 - x0)) / per;
    for (let i = 0; i < count; i++) {
      const p = partner[i]!;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) faces[i * per + y * size + x] = tmpFaces[p * per + y * size + x]!;
    }
  } else {
    for (let i = 0; i < count; i++) {
      const p = partner[i]!;
      for (let k = 0; k < per; k++) faces[i * per + k] = lambda * tmpFaces[i * per + k]! + (1 - lambda) * tmpFaces[p * per + k]!;
    }
  }
  for (let i = 0; i < count; i++) {
    const p = partner[i]!;
    for (let c = 0; c < classes; c++) targets[i * classes + c] = lambda * tmpTargets[i * classes + c]! + (1 - lambda) * tmpTargets[p * classes + c]!;
  }
  return lambda;
}

/**
 * Turns the first `count` faces of a block from [0, 1] into the run's pixel scale, in place: `unit` leaves them,
 * `raw` multiplies by 255, `standard` standardises each face (zero mean, unit deviation; a blank face gives zeros),
 * as prepareFaces does for unaugmented faces.
 */
export function scaleUnitFaces(faces: Float32Array, count: number, per: number, scale: "unit" | "raw" | "standard"): void {
  if (scale === "unit") return;
  for (let f = 0; f < count; f++) {
    const face = faces.subarray(f * per, (f + 1) * per);
    if (scale === "raw") {
      for (let k = 0; k < per; k++) face[k] = face[k]! * 255;
      continue;
    }
    let sum = 0;
    let sq = 0;
    for (let k = 0; k < per; k++) {
      const v = face[k]! * 255;
      sum += v;
      sq += v * v;
    }
    const mean = sum / per;
    const sd = Math.sqrt(Math.max(sq / per - mean * mean, 0));
    const inv = sd > 1e-6 ? 1 / sd : 0;
    for (let k = 0; k < per; k++) face[k] = (face[k]! * 255 - mean) * inv;
  }
}
