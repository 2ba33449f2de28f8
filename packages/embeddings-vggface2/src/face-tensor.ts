import type { Image } from "@fer/preprocess";
import * as tf from "@tensorflow/tfjs-core";
import { EmbeddingError } from "./errors.js";

function checkFace(img: Image, i: number): void {
  const ok =
    img !== null &&
    typeof img === "object" &&
    Number.isInteger(img.width) &&
    Number.isInteger(img.height) &&
    img.width > 0 &&
    img.height > 0 &&
    (img.channels === 1 || img.channels === 3 || img.channels === 4) &&
    img.data instanceof Uint8Array &&
    img.data.length === img.width * img.height * img.channels;
  if (!ok) {
    throw new EmbeddingError(
      "bad-input",
      `face ${i} is not an Image {width, height, channels: 1|3|4, data: Uint8Array(width*height*channels)}`,
    );
  }
}

/** Copies one face into `out` (at `offset`) as interleaved RGB bytes, replicating gray and dropping alpha. */
function toRgb(img: Image, out: Uint8Array, offset: number): void {
  const n = img.width * img.height;
  const { data, channels } = img;
  for (let p = 0; p < n; p++) {
    const o = offset + p * 3;
    if (channels === 1) {
      const v = data[p]!;
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    } else {
      const s = p * channels;
      out[o] = data[s]!;
      out[o + 1] = data[s + 1]!;
      out[o + 2] = data[s + 2]!;
    }
  }
}

/**
 * The ONE place faces become network input for every backbone of this package: each face is converted to RGB
 * (gray replicated to 3 channels, alpha dropped), bilinearly resized (half-pixel centres) to `size` x `size`, and
 * stacked into a float32 `[N, size, size, 3]` tensor with values 0..255. Backbone-specific normalisation
 * (mean subtraction, channel order, scaling) is applied by the backbone on top of this tensor.
 * Faces of equal size are resized together. The caller owns (and must dispose) the returned tensor.
 */
export function facesToTensor(faces: readonly Image[], size: number): tf.Tensor4D {
  if (!Array.isArray(faces) || faces.length === 0) throw new EmbeddingError("bad-input", "embed() needs at least one face");
  faces.forEach(checkFace);
  const first = faces[0]!;
  const sameSize = faces.every((f) => f.width === first.width && f.height === first.height);
  return tf.tidy(() => {
    if (sameSize) {
      const bytes = new Uint8Array(faces.length * first.width * first.height * 3);
      faces.forEach((f, i) => toRgb(f, bytes, i * first.width * first.height * 3));
      const t = tf.cast(tf.tensor4d(bytes, [faces.length, first.height, first.width, 3], "int32"), "float32");
      return first.width === size && first.height === size ? t : tf.image.resizeBilinear(t, [size, size], false, true);
    }
    const parts = faces.map((f) => {
      const bytes = new Uint8Array(f.width * f.height * 3);
      toRgb(f, bytes, 0);
      const t = tf.cast(tf.tensor4d(bytes, [1, f.height, f.width, 3], "int32"), "float32");
      return f.width === size && f.height === size ? t : tf.image.resizeBilinear(t, [size, size], false, true);
    });
    return tf.concat(parts, 0);
  });
}
