/** The package `@fer/cnn/train` needs besides `@fer/cnn`'s own dependencies (an optional peer). */
export const TFJS_LAYERS_PACKAGE = "@tensorflow/tfjs-layers";

/**
 * Thrown when an optional peer dependency is not installed: importing `@fer/cnn/train` (training, grid search,
 * tfjs-layers models) without `@tensorflow/tfjs-layers`. Inference (`loadCnn`) does not need it.
 */
export class MissingPackageError extends Error {
  readonly kind = "missing-package";
  constructor(
    /** The package to install. */
    readonly packageName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "MissingPackageError";
  }
}
