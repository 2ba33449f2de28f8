/** Why the pipeline refused an option, an input or a model. */
export type PipelineErrorKind =
  /** An option is unknown, out of range or of the wrong type. */
  | "bad-option"
  /** No model was given and none is shipped (or the shipped one is missing on disk). */
  | "no-model"
  /** The head does not fit the featuriser: other feature dimension or unknown classes. */
  | "head-mismatch"
  /** The requested preset cannot be built (its shipped files are missing). */
  | "preset-unavailable"
  /**
   * An optional package the request needs is not installed (the accurate preset needs `@fer/embeddings-vggface2`);
   * the message names it and the command that installs it.
   */
  | "missing-package"
  /** The input is neither a path, a Buffer nor an Image. */
  | "bad-input"
  /** The pipeline was used after `dispose()`. */
  | "disposed";

/** The one error class thrown by `@fer/pipeline` for bad options, inputs and models; `kind` says which. */
export class PipelineError extends Error {
  /** Machine-readable reason. */
  readonly kind: PipelineErrorKind;

  constructor(kind: PipelineErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PipelineError";
    this.kind = kind;
  }
}
