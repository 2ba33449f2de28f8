import path from "node:path";
import { fileURLToPath } from "node:url";

/** The folder of this package (holding package.json, models/, assets/), from dist/ or src/ alike. */
export function packageDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
}

/** The example photos shipped with this package (public domain, see assets/photos/LICENSES.md). */
export function examplePhotosDir(): string {
  return path.join(packageDir(), "assets", "photos");
}
