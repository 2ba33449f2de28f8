import * as tf from "@tensorflow/tfjs-core";
import { VGGFACE2_MEANS_BGR } from "./layers.js";

/**
 * keras-vggface's `preprocess_input(x, version=2)` on a float `[N, H, W, 3]` RGB 0..255 tensor: RGB -> BGR, then
 * subtract {@link VGGFACE2_MEANS_BGR}. The caller owns the result.
 */
export function vggface2Preprocess(rgb: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.reverse(rgb, -1), tf.tensor1d([...VGGFACE2_MEANS_BGR])) as tf.Tensor4D);
}
