import { existsSync } from "node:fs";
import path from "node:path";
import type { DetectorName } from "@fer/face-detect";
import { packageDir } from "./paths.js";

/** The two presets, named after the study's two proposals. */
export const PRESETS = ["fast", "accurate"] as const;
/** A preset name: `fast` = CNN features + the fast head (route 1); `accurate` = pretrained embeddings + SVM (route 2). */
export type PresetName = (typeof PRESETS)[number];

/** Whether `name` is a preset name. */
export function isPresetName(name: string): name is PresetName {
  return (PRESETS as readonly string[]).includes(name);
}

/**
 * The detector used when none is asked for: YuNet (`@fer/face-detect`), the best measured on the WIDER FACE sample
 * (recall on faces of at least 40 px, false boxes per image, time per photo) and on faces that fill the frame; see
 * `@fer/face-detect`'s README. It runs on onnxruntime: without `onnxruntime-node` the pipeline falls back to
 * {@link FALLBACK_DETECTOR}.
 */
export const DEFAULT_DETECTOR: DetectorName = "yunet";

/** The default detector when {@link DEFAULT_DETECTOR} cannot run (no `onnxruntime-node`): SSD MobileNet v1 on tfjs. */
export const FALLBACK_DETECTOR: DetectorName = "ssd-mobilenet-v1";

/**
 * Crop margin per detector: the square crop's side is `(1 + 2 * margin)` x the detected box's longer side (see
 * `frameFace` of `@fer/preprocess`). Chosen on 2026-12-07 by the rule in the README's "Framing" section (smallest
 * accuracy gap between detected crops and the original faces, ties within 0.5 points to the margin closest to 0) with
 * `fer synth-eval --count 1000 --seed 1` (1,000 synthetic portraits of FER2013 validation faces; gaps in points:
 * haar 4.29 at 0.05; ssd-mobilenet-v1 6.90 at -0.05, 0 and 0.05; tiny-face 10.44 at 0; yunet 4.76 at 0 aligned, 5.95
 * at 0 unaligned; ultraface 6.69 at 0). yunet's 0 checked again on 2026-12-07 evening by the README's "Fitting the
 * framing" rule: the FER2013 square fitted on 1,000 portraits of the CNN's training faces is 1.01x yunet's box,
 * 0.014 of its side higher; that framing (margin 0.005, offset -0.014) gave a gap of 4.53 points against 4.63 for
 * margin 0 on the validation portraits (`fer synth-eval --count 1000 --seed 1`), not the 0.5 less the rule asks, so
 * no offset is applied.
 */
export const DEFAULT_MARGINS: Readonly<Record<DetectorName, number>> = {
  haar: 0.05,
  "ssd-mobilenet-v1": 0,
  "tiny-face": 0,
  yunet: 0,
  ultraface: 0,
};

/**
 * Whether the pipeline turns faces upright (eyes level) before cropping when the detector gives landmarks (`yunet`).
 * On: on the synthetic portrait validation set (`fer synth-eval --count 1000 --seed 1`, 2026-12-07) yunet's crops
 * aligned by its eyes cost 4.76 points of accuracy against 5.95 unaligned (the README's rule asks for 0.5 less).
 * The eye-mouth axis instead of the eye line was a candidate of the evening re-check and did not qualify (its angle
 * error on the training-face portraits is 6.3° against 6.7°, not 1° less).
 */
export const DEFAULT_ALIGN: boolean = true;

/**
 * The folder of the CNN the `fast` preset uses: `FER_CNN_DIR` if set, else the model `@fer/cnn` ships
 * (its `defaultCnnDir()`). `dir` is undefined when there is none, and `reason` says why.
 */
export async function findDefaultCnn(): Promise<{ dir?: string; reason?: string }> {
  if (process.env.FER_CNN_DIR) return { dir: path.resolve(process.env.FER_CNN_DIR) };
  const cnn = (await import("@fer/cnn")) as Record<string, unknown>;
  const fn = cnn.defaultCnnDir;
  if (typeof fn !== "function") return { reason: "this version of @fer/cnn ships no model" };
  try {
    const dir = (await (fn as () => string | Promise<string>)()) as string | undefined;
    if (dir !== undefined && existsSync(dir)) return { dir };
    return { reason: `the shipped model folder ${String(dir)} does not exist` };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

/**
 * The saved head the `fast` preset puts on the CNN's features: `FER_FAST_HEAD` if set, else
 * `models/fast-head.json` (or `.json.gz`) of this package when shipped. Undefined when there is none (the CNN's own classifier is
 * used then, and the pipeline says so in `models.head`).
 */
export function defaultFastHeadFile(): string | undefined {
  if (process.env.FER_FAST_HEAD) return path.resolve(process.env.FER_FAST_HEAD);
  const dir = path.join(packageDir(), "models");
  return ["fast-head.json", "fast-head.json.gz"].map((f) => path.join(dir, f)).find((f) => existsSync(f));
}

/**
 * What the `accurate` preset is made of, read from `models/accurate.json` of this package (written by the route-2
 * benchmark of `@fer/embeddings-vggface2` with `--ship`, when a head small enough to ship beats route 1 on FER2013).
 */
export interface AccuratePresetConfig {
  /** Backbone name for `@fer/embeddings-vggface2`'s `loadEmbedder`. */
  readonly backbone: string;
  readonly layer?: string;
  /** Weights path, relative to the models folder. */
  readonly weights?: string;
  /** Saved SVM head file, relative to the models folder. */
  readonly head: string;
}

/** The file describing the shipped `accurate` preset (may not exist). */
export function accuratePresetFile(): string {
  return path.join(packageDir(), "models", "accurate.json");
}
