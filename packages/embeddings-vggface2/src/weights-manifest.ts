import type * as tf from "@tensorflow/tfjs-core";
import { readJsonFile as readJson, WeightsFileError } from "@fer/runtime";
import { readManifestWeights as readWeights, type ManifestGroup } from "@fer/runtime/tfjs";
import { EmbeddingError } from "./errors.js";

export { tensorBytes, type ManifestGroup } from "@fer/runtime/tfjs";

/** `@fer/runtime`'s reader errors as {@link EmbeddingError}s of the same kind. */
async function asEmbeddingError<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof WeightsFileError) throw new EmbeddingError(e.kind, e.message, e.file, { cause: e });
    throw e;
  }
}

/** `readManifestWeights` of `@fer/runtime/tfjs`, throwing `missing-weights` / `bad-weights-layout` {@link EmbeddingError}s. */
export function readManifestWeights(dir: string, manifest: readonly ManifestGroup[]): Promise<tf.NamedTensorMap> {
  return asEmbeddingError(() => readWeights(dir, manifest));
}

/** `readJsonFile` of `@fer/runtime`, throwing `missing-weights` / `bad-weights-layout` {@link EmbeddingError}s. */
export function readJsonFile(file: string): Promise<unknown> {
  return asEmbeddingError(() => readJson(file));
}
