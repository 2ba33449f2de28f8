import type { FerCnn } from "./cnn-model.js";

/** The folder each CNN `loadCnn` made came from (for `layersModelOf` of `@fer/cnn/train`). */
const modelDirs = new WeakMap<FerCnn, string>();

/** Records the folder behind a CNN `loadCnn` made. */
export function rememberModelDir(cnn: FerCnn, dir: string): void {
  modelDirs.set(cnn, dir);
}

/** The folder a CNN was loaded from, or undefined for an object `loadCnn` did not make. */
export function modelDirOf(cnn: FerCnn): string | undefined {
  return modelDirs.get(cnn);
}
