/**
 * A labelled set of square grayscale faces in one compact block:
 * image i occupies `pixels[i*size*size .. (i+1)*size*size)`, row-major; `labels[i]` indexes `classes`.
 */
export interface FaceDataset {
  /** Side of every image in pixels (48 for FER2013). */
  readonly size: number;
  /** Number of images. */
  readonly count: number;
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
  /** Class names, in the order labels index them (the canonical EMOTIONS order for FER2013). */
  readonly classes: readonly string[];
  /** A stable id per image: the path relative to the dataset root, or `csv:<row>`. */
  readonly ids: readonly string[];
}
