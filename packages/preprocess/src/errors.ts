/**
 * Typed errors for bad input. Browser-safe: no Node imports.
 *
 * Every error names the file (or source) it is about and a machine-readable `kind`;
 * the underlying low-level error, when there is one, is kept in the standard `cause`.
 */

/** Why an image could not be decoded. */
export type FerImageErrorKind =
  /** The file or buffer has zero bytes. */
  | "empty-file"
  /** The bytes are not in any image format the decoder reads. */
  | "not-an-image"
  /** The image starts like a valid image but its data ends early or is corrupt. */
  | "truncated"
  /** The file could not be read (missing, permissions, is a folder...). */
  | "unreadable-file"
  /** The image decoded but its geometry or channel layout is not usable. */
  | "bad-geometry"
  /** The path names a folder, a FIFO, a device or a socket, not a regular file (nothing is read from it). */
  | "not-a-file"
  /** The file is larger than the maximum input size, or its header announces more pixels than the pixel limit. */
  | "too-large";

/** Why a dataset (or one of its entries) could not be loaded. */
export type FerDatasetErrorKind =
  /** The dataset root or a class folder cannot be listed. */
  | "unreadable-folder"
  /** A sub-folder of the dataset root is not one of the known class names. */
  | "unknown-class-folder"
  /** The dataset root contains no class folder / no image at all. */
  | "empty-dataset"
  /** A CSV file lacks the expected header columns. */
  | "bad-csv-header"
  /** A CSV row has the wrong number of fields or pixels, or a value out of range. */
  | "bad-csv-row"
  /** A binary dataset cache file is corrupt or of another version. */
  | "bad-cache";

/** Base class of every error thrown by `@fer/preprocess`. */
export class FerError extends Error {
  /** The file, folder or source (e.g. `"<buffer>"`) the error is about. */
  readonly file: string;

  constructor(message: string, file: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FerError";
    this.file = file;
  }
}

/** An image could not be decoded; `kind` says why and `file` which one. */
export class FerImageError extends FerError {
  readonly kind: FerImageErrorKind;

  constructor(kind: FerImageErrorKind, file: string, detail?: string, options?: { cause?: unknown }) {
    super(`${file}: ${describeImageErrorKind(kind)}${detail ? ` (${detail})` : ""}`, file, options);
    this.name = "FerImageError";
    this.kind = kind;
  }
}

/** A dataset or one of its parts could not be loaded; `kind` says why and `file` which one. */
export class FerDatasetError extends FerError {
  readonly kind: FerDatasetErrorKind;
  /** For CSV problems: the 1-based line number in the file. */
  readonly line: number | undefined;

  constructor(
    kind: FerDatasetErrorKind,
    file: string,
    detail?: string,
    options?: { cause?: unknown; line?: number },
  ) {
    const where = options?.line !== undefined ? `${file}:${options.line}` : file;
    super(`${where}: ${describeDatasetErrorKind(kind)}${detail ? ` (${detail})` : ""}`, file, options);
    this.name = "FerDatasetError";
    this.kind = kind;
    this.line = options?.line;
  }
}

function describeImageErrorKind(kind: FerImageErrorKind): string {
  switch (kind) {
    case "empty-file":
      return "empty file (zero bytes)";
    case "not-an-image":
      return "not an image (unsupported or unknown format)";
    case "truncated":
      return "truncated or corrupt image data";
    case "unreadable-file":
      return "cannot read file";
    case "bad-geometry":
      return "unusable image geometry";
    case "not-a-file":
      return "not a regular file";
    case "too-large":
      return "too large";
  }
}

function describeDatasetErrorKind(kind: FerDatasetErrorKind): string {
  switch (kind) {
    case "unreadable-folder":
      return "cannot read folder";
    case "unknown-class-folder":
      return "unknown class folder";
    case "empty-dataset":
      return "no images found";
    case "bad-csv-header":
      return "bad CSV header";
    case "bad-csv-row":
      return "bad CSV row";
    case "bad-cache":
      return "bad dataset cache file";
  }
}
