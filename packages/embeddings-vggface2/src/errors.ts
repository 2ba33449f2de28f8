/** Why an embedder or the embedding cache refused its input. */
export type EmbeddingErrorKind =
  /** No weights file or folder was given, or the path does not exist. */
  | "missing-weights"
  /** The weights file exists but does not have the expected layout (a group, dataset or shape is missing or wrong). */
  | "bad-weights-layout"
  /** A face image passed to `embed` is not a usable image. */
  | "bad-input"
  /** The requested layer is not one the backbone offers. */
  | "unknown-layer"
  /** The requested backbone name is unknown or its npm package is not installed. */
  | "unknown-backbone"
  /** An embedding cache folder is corrupt or was written for other data. */
  | "bad-cache"
  /** The embedder was disposed. */
  | "disposed"
  /** The backbone cannot run on the engine asked for (only face-api's ResNet-34 runs on onnxruntime). */
  | "unsupported-engine";

/** The error class of `@fer/embeddings-vggface2`; `kind` says what was wrong, `file` names the file when there is one. */
export class EmbeddingError extends Error {
  constructor(
    readonly kind: EmbeddingErrorKind,
    message: string,
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "EmbeddingError";
  }
}
