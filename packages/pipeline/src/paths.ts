import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sharedDir as sharedDataDir } from "@fer/preprocess/node";

/** The folder of this package (holding package.json, models/, assets/), from dist/ or src/ alike. */
export function packageDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
}

/**
 * The read-only `shared/` data folder (`sharedDir` of `@fer/preprocess/node`: `FER_SHARED_DIR` if set, else `../shared`
 * beside the repository root, where CI puts it). Throws when it does not exist.
 */
export function sharedDir(): string {
  const dir = sharedDataDir();
  if (!existsSync(dir)) throw new Error(`shared data folder not found at ${dir}; set FER_SHARED_DIR`);
  return dir;
}

/** The example photos shipped with this package (public domain, see assets/photos/LICENSES.md). */
export function examplePhotosDir(): string {
  return path.join(packageDir(), "assets", "photos");
}
