import * as tf from "@tensorflow/tfjs-core";
import type { OutputKind } from "./architectures.js";

/**
 * The study's losses: categorical cross-entropy on softmax outputs (A–E) and squared hinge on linear
 * outputs (F, G) with targets in {-1, +1} (Keras maps one-hot 0/1 labels to -1/+1 for squared_hinge).
 * `labels` is int32 [batch]; the result is a scalar mean over the batch.
 */
export function classificationLoss(kind: OutputKind, outputs: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    const classes = outputs.shape[1];
    const oneHot = tf.cast(tf.oneHot(labels, classes), "float32");
    if (kind === "softmax") {
      const p = tf.clipByValue(outputs, 1e-7, 1 - 1e-7);
      return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(p)), -1))) as tf.Scalar;
    }
    const signed = tf.sub(tf.mul(oneHot, 2), 1);
    const margin = tf.relu(tf.sub(1, tf.mul(signed, outputs)));
    return tf.mean(tf.mean(tf.square(margin), -1)) as tf.Scalar;
  });
}

/**
 * Where a softmax model's cross-entropy is taken: from the clipped probabilities (`"probabilities"`, what tfjs-layers
 * and standalone Keras do; the default) or from the pre-softmax outputs (`"logits"`, what tf.keras does in `model.fit`).
 */
export type CrossEntropyFrom = "probabilities" | "logits";

/**
 * Categorical cross-entropy taken from the last layer's pre-softmax output, as tf.keras computes it in graph mode
 * (`model.fit`): the mean of -log softmax(logits)[label], with the gradient softmax - one-hot everywhere, so a
 * saturated softmax still learns (with clipped probabilities it adds no gradient). `labels` is int32 [batch].
 */
export function crossEntropyFromLogits(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    const oneHot = tf.cast(tf.oneHot(labels, logits.shape[1]), "float32");
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1))) as tf.Scalar;
  });
}

/** Keras-style L2 penalty: factor * sum(w^2). */
export function l2Penalty(weights: tf.Tensor, factor: number): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.sum(tf.square(weights)), factor) as tf.Scalar);
}
