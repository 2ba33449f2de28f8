import { readFile, stat } from "node:fs/promises";
import { gunzipSync, gzipSync } from "node:zlib";
import { HeadError } from "../core/errors.js";
import type { Head } from "../core/head.js";
import { headFromJSON } from "../registry.js";
import { writeFilesAtomically } from "@fer/preprocess/node";
import { isFeaturiserId, type FeaturiserId } from "./features-file.js";

/** Options of {@link saveHead}. */
export interface SaveHeadOptions {
  /** The model that computed the features the head was fitted on (the features file's `featuriser`), kept beside the head. */
  readonly featuriser?: FeaturiserId | undefined;
  /**
   * The head was chosen (and should be used) averaging its probabilities over each face and its mirror image
   * (see `predictProbaAveraged`); kept beside the head so that a pipeline can do the same.
   */
  readonly mirrorAverage?: boolean | undefined;
}

/**
 * Saves a fitted head as JSON (gzip-compressed when `file` ends in `.gz`), atomically: the file appears complete
 * or not at all. Returns the number of bytes written.
 */
export async function saveHead(head: Head, file: string, options: SaveHeadOptions = {}): Promise<number> {
  const doc = head.toJSON() as object;
  const text = JSON.stringify({
    ...doc,
    ...(options.featuriser !== undefined ? { featuriser: options.featuriser } : {}),
    ...(options.mirrorAverage !== undefined ? { mirrorAverage: options.mirrorAverage } : {}),
  });
  const data = file.endsWith(".gz") ? gzipSync(Buffer.from(text, "utf8"), { level: 9 }) : Buffer.from(text, "utf8");
  await writeFilesAtomically([{ path: file, data }]);
  return data.byteLength;
}

/**
 * Loads a head saved by {@link saveHead} (any kind). Throws `bad-format` for an unreadable or malformed file and
 * `version-mismatch` for a head saved by another format version.
 */
export async function loadHead(file: string): Promise<Head> {
  let json: unknown;
  try {
    let bytes: Buffer = await readFile(file);
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    json = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new HeadError("bad-format", `${file}: cannot read saved head: ${(e as Error).message}`, { cause: e });
  }
  return headFromJSON(json);
}

/** The featuriser a saved head document says it was fitted on (see {@link SaveHeadOptions}), if any. */
export function savedHeadFeaturiser(json: unknown): FeaturiserId | undefined {
  const f = typeof json === "object" && json !== null ? (json as { featuriser?: unknown }).featuriser : undefined;
  return isFeaturiserId(f) ? f : undefined;
}

/** Whether a saved head document says to average over each face and its mirror image (see {@link SaveHeadOptions}). */
export function savedHeadMirrorAverage(json: unknown): boolean | undefined {
  const m = typeof json === "object" && json !== null ? (json as { mirrorAverage?: unknown }).mirrorAverage : undefined;
  return typeof m === "boolean" ? m : undefined;
}

/** Size in bytes of a saved head file. */
export async function savedHeadBytes(file: string): Promise<number> {
  return (await stat(file)).size;
}
