import type { FerDatasetError, FerImageError } from "../errors.js";

/** One file (or class folder that cannot be listed) a dataset load skipped, and why. The load goes on past it. */
export interface DatasetProblem {
  /** Path of the file or folder (or `path:line` source) relative to nothing: as the loader saw it. */
  file: string;
  error: FerImageError | FerDatasetError;
}
