import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import type { FeatureLayer, FerCnn } from "@fer/cnn";
import { CnnOutputHead, headFromJSON, type Head } from "@fer/heads";
import { savedHeadFeaturiser, savedHeadMirrorAverage, type FeaturiserId } from "@fer/heads/node";
import { PipelineError } from "./errors.js";
import type { Featuriser } from "./featuriser.js";

/**
 * The CNN's own classifier as a head: its last Dense layer applied to the `dense2` features, then softmax.
 * For the softmax architectures (A-E) this equals the CNN's output; for F and G (linear scores, squared hinge)
 * the scores become probabilities through a softmax.
 */
export function cnnOwnHead(cnn: FerCnn): Head {
  return CnnOutputHead.fromDense(cnn.logitsWeights(), cnn.card.classes);
}

/** The feature layer the CNN's own head reads (the input of its last Dense layer). */
export const CNN_OWN_HEAD_LAYER: FeatureLayer = "dense2";

/** What a saved head file says about itself, besides the head: which features it was fitted on, mirror averaging. */
export interface HeadFileInfo {
  /** The head's kind, as saved (`knn`, `svm`, `random-forest`, ...). */
  readonly kind: string;
  /** The CNN layer its features came from, if the file says ("dense1" or "dense2"). */
  readonly featureLayer?: FeatureLayer;
  /** The model that computed the features it was fitted on, if recorded (`fer features` records it). */
  readonly featuriser?: FeaturiserId;
  /** Whether the head was chosen averaging over each face and its mirror image (the pipeline then does so by default). */
  readonly mirrorAverage?: boolean;
}

/** A saved head file, optionally carrying which CNN layer its features came from (`featureLayer`). */
export interface LoadedHeadFile extends Omit<HeadFileInfo, "kind"> {
  readonly head: Head;
}

/**
 * Reads and parses a head file saved with `head.toJSON()` (a JSON file, gzipped if its name ends in `.gz`).
 * @throws {PipelineError} `no-model` when the file cannot be read or parsed.
 */
export async function readHeadDocument(file: string): Promise<unknown> {
  try {
    const bytes = await readFile(file);
    return JSON.parse((file.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8")) as unknown;
  } catch (cause) {
    throw new PipelineError("no-model", `cannot read head file ${file}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * What a parsed head file says about itself (see {@link HeadFileInfo}): the model that computed its training
 * features (top-level `featuriser`, with the CNN layer in `featuriser.layer`; older files carry only a top-level
 * `featureLayer`) and whether it averages mirror images.
 */
export function headFileInfo(json: unknown): HeadFileInfo {
  const featuriser = savedHeadFeaturiser(json);
  const layer = featuriser?.layer ?? (json as { featureLayer?: unknown }).featureLayer;
  const mirrorAverage = savedHeadMirrorAverage(json);
  return {
    kind: String((json as { kind?: unknown } | null)?.kind),
    ...(mirrorAverage !== undefined ? { mirrorAverage } : {}),
    ...(layer === "dense1" || layer === "dense2" ? { featureLayer: layer } : {}),
    ...(featuriser !== undefined ? { featuriser } : {}),
  };
}

/**
 * Reads a head saved with `head.toJSON()` (a JSON file, gzipped if its name ends in `.gz`) and restores it with
 * `@fer/heads`' `headFromJSON`, with what the file says about it ({@link headFileInfo}).
 * @throws {PipelineError} `no-model` when the file cannot be read or parsed; `@fer/heads` errors for a bad document.
 */
export async function loadHeadFile(file: string): Promise<LoadedHeadFile> {
  const json = await readHeadDocument(file);
  const head = await headFromJSON(json);
  const { kind: _kind, ...info } = headFileInfo(json);
  return { head, ...info };
}

/** A featuriser id for people: `cnn F dense1 (model 2026-11-27T05:09:12.128Z)`. */
export function describeFeaturiser(id: FeaturiserId): string {
  const { name, layer, model, ...rest } = id;
  const extra = Object.entries(rest).map(([k, v]) => `${k} ${v}`);
  return [[name ?? "a featuriser", layer].filter(Boolean).join(" "), model !== undefined ? `(model ${model})` : "", ...extra].filter(Boolean).join(" ");
}

/**
 * Checks that `head` can classify `featuriser`'s vectors: it is fitted, has the same feature dimension, and every
 * class it predicts is one the featuriser knows. Throws a {@link PipelineError} `head-mismatch` saying what differs.
 */
export function assertHeadFits(head: Head, featuriser: Featuriser): void {
  if (!head.fitted || head.dim === undefined) {
    throw new PipelineError("head-mismatch", `the ${head.kind} head is not fitted: fit it on ${featuriser.name} features first`);
  }
  if (head.dim !== featuriser.dim) {
    throw new PipelineError(
      "head-mismatch",
      `the ${head.kind} head expects ${head.dim}-dimensional features but ${featuriser.name} gives ${featuriser.dim}: ` +
        `fit the head on features of this featuriser (e.g. \`fer features\` then \`fer fit-head\`)`,
    );
  }
  const unknown = head.classes.filter((c) => !featuriser.classes.includes(c));
  if (unknown.length > 0) {
    throw new PipelineError(
      "head-mismatch",
      `the ${head.kind} head predicts class${unknown.length > 1 ? "es" : ""} ${unknown.join(", ")} that ${featuriser.name} does not know ` +
        `(${featuriser.classes.join(", ")})`,
    );
  }
}
