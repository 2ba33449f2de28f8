import type { Box } from "@fer/preprocess";
import { FaceDetectError } from "./errors.js";

/** One annotated face of a WIDER FACE ground-truth file. */
export interface AnnotatedFace extends Box {
  /** WIDER's `invalid` flag: the box is not a usable face; it is neither counted nor penalised. */
  readonly invalid: boolean;
}

/** One image of a WIDER FACE ground-truth file. */
export interface AnnotatedImage {
  /** Path relative to the images folder, e.g. `0--Parade/0_Parade_marchingband_1_465.jpg`. */
  readonly file: string;
  readonly faces: readonly AnnotatedFace[];
}

/**
 * Parses a WIDER FACE `wider_face_*_bbx_gt.txt` file: per image, its relative path, the face count, then one line per
 * face `x1 y1 w h blur expression illumination invalid occlusion pose` (an image with 0 faces still has one line of
 * zeros, which is skipped).
 * @throws {FaceDetectError} `bad-annotations` naming the line for malformed input.
 */
export function parseWiderFaceAnnotations(text: string, source = "<annotations>"): AnnotatedImage[] {
  const lines = text.split(/\r?\n/);
  const images: AnnotatedImage[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new FaceDetectError("bad-annotations", `${source}:${i + 1}: ${msg}`);
  };
  const skipBlank = (): void => {
    while (i < lines.length && lines[i]!.trim() === "") i++;
  };
  skipBlank();
  while (i < lines.length) {
    const file = lines[i]!.trim();
    if (!/\.(jpe?g|png|bmp|webp)$/i.test(file)) fail(`expected an image path, got "${file}"`);
    i++;
    const countText = (lines[i] ?? "").trim();
    if (!/^\d+$/.test(countText)) fail(`expected a face count, got "${countText}"`);
    const count = Number(countText);
    i++;
    const faces: AnnotatedFace[] = [];
    const rows = Math.max(count, 1);
    for (let r = 0; r < rows; r++, i++) {
      const fields = (lines[i] ?? "").trim().split(/\s+/).map(Number);
      if (fields.length < 4 || fields.slice(0, 4).some((v) => !Number.isFinite(v))) {
        fail(`expected "x y w h ..." for face ${r + 1} of ${file}`);
      }
      if (count === 0) continue;
      const [x, y, width, height] = fields as [number, number, number, number];
      faces.push({ x, y, width, height, invalid: fields[7] === 1 });
    }
    images.push({ file, faces });
    skipBlank();
  }
  return images;
}
