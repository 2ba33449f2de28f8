import { resize, seededRandom, type Box, type GrayImage, type Image } from "@fer/preprocess";
import sharp from "sharp";

/** The kinds of background a synthetic portrait is set on. */
export const BACKGROUND_KINDS = ["plain", "gradient", "noise", "photo"] as const;
/** A background kind: one flat colour, a linear gradient, coloured value noise (clutter), or a face-free photo region. */
export type BackgroundKind = (typeof BACKGROUND_KINDS)[number];

/** A photo backgrounds are cut from, with the boxes of the faces in it (regions touching them are never used). */
export interface BackgroundPhoto {
  readonly image: Image;
  /** Faces to keep out of the backgrounds, in the photo's pixels. */
  readonly faces: readonly Box[];
  /** A name for reports. */
  readonly name: string;
}

/** Options of {@link portraitSpec} and {@link renderPortrait}. */
export interface PortraitOptions {
  /** Seed of the whole set: portrait `i` of a seed is always the same. Default 1. */
  readonly seed?: number;
  /** Range of the face's side as a fraction of the frame's shorter side. Default [0.1, 1]. */
  readonly scale?: readonly [number, number];
  /** Largest rotation in degrees (uniform in [-maxAngle, maxAngle]). Default 30. */
  readonly maxAngle?: number;
  /** Range of the frame's shorter side in pixels. Default [320, 640]. */
  readonly shortSide?: readonly [number, number];
  /** Background kinds drawn from (uniformly). Default all of {@link BACKGROUND_KINDS} ("photo" only with photos). */
  readonly backgrounds?: readonly BackgroundKind[];
}

/** Where and how portrait `index` of a set shows its face: everything {@link renderPortrait} needs besides the pixels. */
export interface PortraitSpec {
  readonly index: number;
  /** Frame size in pixels. */
  readonly width: number;
  readonly height: number;
  /** The face's centre in the frame (pixels, continuous coordinates). */
  readonly cx: number;
  readonly cy: number;
  /** Side of the (enlarged) 48x48 face square in the frame, in pixels. */
  readonly side: number;
  /** Face side / frame's shorter side. */
  readonly scale: number;
  /** Rotation of the face in degrees, positive = clockwise on screen. */
  readonly angle: number;
  readonly background: BackgroundKind;
  /** Seed of the background's own randomness. */
  readonly backgroundSeed: number;
}

/** A rendered synthetic portrait and the truth about its face. */
export interface SyntheticPortrait {
  readonly spec: PortraitSpec;
  /** RGB frame. */
  readonly image: Image;
  /** The face square before rotation, as an axis-aligned box centred on the face (the FER2013 frame's place). */
  readonly faceBox: Box;
  /** The photo a "photo" background was cut from. */
  readonly photo?: string;
}

const uniform = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();

/**
 * The geometry of portrait `index` of the set `options.seed`: frame size, face scale (uniform in `scale`), rotation
 * (uniform in ±`maxAngle`), a face position drawn so the unrotated face square lies inside the frame, and the
 * background. Deterministic: the same (seed, index) gives the same spec on every platform.
 */
export function portraitSpec(index: number, options: PortraitOptions = {}, havePhotos = true): PortraitSpec {
  const seed = options.seed ?? 1;
  const [sLo, sHi] = options.scale ?? [0.1, 1];
  const [shLo, shHi] = options.shortSide ?? [320, 640];
  const maxAngle = options.maxAngle ?? 30;
  const kinds = (options.backgrounds ?? BACKGROUND_KINDS).filter((k) => havePhotos || k !== "photo");
  if (kinds.length === 0) throw new RangeError("portraitSpec: no background kind to draw from");
  if (!(sLo > 0 && sHi <= 1 && sLo <= sHi)) throw new RangeError(`portraitSpec: scale range must lie in (0, 1], got [${sLo}, ${sHi}]`);
  // One generator per portrait (seed and index mixed), so any portrait can be made alone.
  const r = seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const short = Math.round(uniform(r, shLo, shHi));
  const aspect = uniform(r, 1, 4 / 3);
  const landscape = r() < 0.5;
  const long = Math.round(short * aspect);
  const width = landscape ? long : short;
  const height = landscape ? short : long;
  const scale = uniform(r, sLo, sHi);
  const side = Math.max(8, Math.round(scale * short));
  const angle = uniform(r, -maxAngle, maxAngle);
  const cx = uniform(r, side / 2, width - side / 2);
  const cy = uniform(r, side / 2, height - side / 2);
  const background = kinds[Math.floor(r() * kinds.length)] as BackgroundKind;
  const backgroundSeed = Math.floor(r() * 2 ** 31);
  return { index, width, height, cx, cy, side, scale: side / short, angle, background, backgroundSeed };
}

function randomColour(r: () => number): [number, number, number] {
  return [Math.floor(uniform(r, 20, 236)), Math.floor(uniform(r, 20, 236)), Math.floor(uniform(r, 20, 236))];
}

function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** A face-free region of one of the photos, resized to the frame, or undefined when none was found in 60 tries. */
async function photoBackground(spec: PortraitSpec, photos: readonly BackgroundPhoto[], r: () => number): Promise<{ data: Uint8Array; name: string } | undefined> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const photo = photos[Math.floor(r() * photos.length)] as BackgroundPhoto;
    const { width: pw, height: ph } = photo.image;
    const frac = uniform(r, 0.25, 0.7);
    let w = Math.round(pw * frac);
    let h = Math.round((w * spec.height) / spec.width);
    if (h > ph) {
      h = ph;
      w = Math.round((h * spec.width) / spec.height);
    }
    const region = { x: Math.floor(r() * (pw - w + 1)), y: Math.floor(r() * (ph - h + 1)), width: w, height: h };
    // Faces grown by half their size on every side: no part of a head in the background.
    const clash = photo.faces.some((f) =>
      intersects(region, { x: f.x - f.width / 2, y: f.y - f.height / 2, width: f.width * 2, height: f.height * 2 }),
    );
    if (clash) continue;
    const { data } = await sharp(Buffer.from(photo.image.data.buffer, photo.image.data.byteOffset, photo.image.data.length), {
      raw: { width: pw, height: ph, channels: photo.image.channels },
    })
      .extract({ left: region.x, top: region.y, width: w, height: h })
      .removeAlpha()
      .resize(spec.width, spec.height, { kernel: "lanczos3", fit: "fill" })
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data), name: photo.name };
  }
  return undefined;
}

/** Coloured value noise: a coarse random grid, bilinearly enlarged, plus fine grain (a cluttered texture). */
function noiseBackground(spec: PortraitSpec, r: () => number): Uint8Array {
  const gw = 2 + Math.floor(r() * 14);
  const gh = Math.max(2, Math.round((gw * spec.height) / spec.width));
  const grid = new Uint8Array(gw * gh * 3);
  for (let i = 0; i < grid.length; i++) grid[i] = Math.floor(uniform(r, 10, 246));
  const big = resize({ width: gw, height: gh, channels: 3, data: grid }, spec.width, spec.height, { method: "bilinear" }).data;
  const grain = uniform(r, 0, 30);
  for (let i = 0; i < big.length; i++) big[i] = Math.min(255, Math.max(0, Math.round(big[i]! + (r() - 0.5) * 2 * grain)));
  return big;
}

function gradientBackground(spec: PortraitSpec, r: () => number): Uint8Array {
  const a = randomColour(r);
  const b = randomColour(r);
  const t = r() * 2 * Math.PI;
  const dx = Math.cos(t);
  const dy = Math.sin(t);
  const span = Math.abs(dx) * spec.width + Math.abs(dy) * spec.height;
  const x0 = dx < 0 ? spec.width : 0;
  const y0 = dy < 0 ? spec.height : 0;
  const out = new Uint8Array(spec.width * spec.height * 3);
  for (let y = 0; y < spec.height; y++) {
    for (let x = 0; x < spec.width; x++) {
      const f = ((x - x0) * dx + (y - y0) * dy) / span;
      const o = (y * spec.width + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(a[c]! + (b[c]! - a[c]!) * f);
    }
  }
  return out;
}

/**
 * Renders portrait `spec` with `face` (a 48x48 gray FER2013 face): the face is enlarged to `spec.side` pixels with
 * sharp's Lanczos-3 kernel, turned by `spec.angle` with sharp (transparent corners), and laid over the background
 * (`photos` are needed for the "photo" kind; without a face-free region it falls back to noise).
 */
export async function renderPortrait(spec: PortraitSpec, face: GrayImage, photos: readonly BackgroundPhoto[] = []): Promise<SyntheticPortrait> {
  const r = seededRandom(spec.backgroundSeed);
  let background: Uint8Array;
  let photo: string | undefined;
  if (spec.background === "plain") {
    const c = randomColour(r);
    background = new Uint8Array(spec.width * spec.height * 3);
    for (let i = 0; i < background.length; i += 3) background.set(c, i);
  } else if (spec.background === "gradient") background = gradientBackground(spec, r);
  else if (spec.background === "photo" && photos.length > 0) {
    const found = await photoBackground(spec, photos, r);
    background = found?.data ?? noiseBackground(spec, r);
    photo = found?.name;
  } else background = noiseBackground(spec, r);

  const faceBuf = Buffer.from(face.data.buffer, face.data.byteOffset, face.data.length);
  // Gray face + opaque alpha, enlarged, then turned: sharp fills the corners it adds with transparent pixels.
  const turned = await sharp(faceBuf, { raw: { width: face.width, height: face.height, channels: 1 } })
    .resize(spec.side, spec.side, { kernel: "lanczos3" })
    .toColourspace("srgb")
    .ensureAlpha(1)
    .rotate(spec.angle, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const tw = turned.info.width;
  const th = turned.info.height;
  const left = Math.round(spec.cx - tw / 2);
  const top = Math.round(spec.cy - th / 2);
  const out = new Uint8Array(background);
  const src = turned.data;
  for (let y = Math.max(0, top); y < Math.min(spec.height, top + th); y++) {
    for (let x = Math.max(0, left); x < Math.min(spec.width, left + tw); x++) {
      const s = ((y - top) * tw + (x - left)) * 4;
      const a = src[s + 3]! / 255;
      if (a === 0) continue;
      const o = (y * spec.width + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(src[s + c]! * a + out[o + c]! * (1 - a));
    }
  }
  // The face's centre lands on the turned image's centre.
  const cx = left + tw / 2;
  const cy = top + th / 2;
  return {
    spec,
    image: { width: spec.width, height: spec.height, channels: 3, data: out },
    faceBox: { x: cx - spec.side / 2, y: cy - spec.side / 2, width: spec.side, height: spec.side },
    ...(photo !== undefined ? { photo } : {}),
  };
}

/** Intersection over union of two boxes. */
export function boxIou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
}
