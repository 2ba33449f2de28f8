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
 * `@fer/face-detect`'s README. It runs on either engine (onnxruntime, or tfjs without `onnxruntime-node`).
 */
export const DEFAULT_DETECTOR: DetectorName = "yunet";

export { DEFAULT_ALIGN, DEFAULT_MARGINS } from "./framing.js";

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
