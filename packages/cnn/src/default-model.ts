import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Name of the model folder shipped inside this package (architecture F, mirrored copies, FER2013 train). */
export const DEFAULT_MODEL_NAME = "fer2013-f-mirror";

/**
 * Path of the trained CNN shipped with @fer/cnn (model.json, weights.bin, card.json and LICENSE), for
 * `loadCnn(defaultCnnDir())`. Throws if the package was installed without its models folder.
 */
export function defaultCnnDir(): string {
  const dir = fileURLToPath(new URL(`../models/${DEFAULT_MODEL_NAME}/`, import.meta.url));
  if (!existsSync(`${dir}card.json`)) throw new Error(`the shipped model is missing from ${dir} (reinstall @fer/cnn)`);
  return dir;
}
