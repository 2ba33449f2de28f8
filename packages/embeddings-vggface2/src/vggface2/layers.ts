// The VGGFace2 ResNet-50's input, preprocessing constants and readable layers: plain values, no tfjs types (the
// root entry exports them; the tfjs-layers model is built in architecture.ts).

/** Side of the VGGFace2 ResNet-50 input. */
export const VGGFACE2_INPUT = 224;
/** keras-vggface `preprocess_input(version=2)` channel means, in B, G, R order (subtracted after RGB -> BGR). */
export const VGGFACE2_MEANS_BGR = [91.4953, 103.8827, 131.0912] as const;
/** Batch-normalisation epsilon of the Keras layers (Keras' default). */
export const VGGFACE2_BN_EPSILON = 1e-3;

/**
 * Layers the embedding can be read at: `avg_pool` is the 2048-d 7x7 average pool of the last stage (the study's
 * embedding); `conv3_4`, `conv4_6` and `conv5_3` are the outputs of the last block of stages 3, 4 and 5, globally
 * average-pooled (512, 1024, 2048 values).
 */
export const VGGFACE2_LAYERS = ["avg_pool", "conv5_3", "conv4_6", "conv3_4"] as const;
/** A layer of {@link VGGFACE2_LAYERS}. */
export type Vggface2Layer = (typeof VGGFACE2_LAYERS)[number];
/** Embedding length at each layer. */
export const VGGFACE2_DIMS: Record<Vggface2Layer, number> = { avg_pool: 2048, conv5_3: 2048, conv4_6: 1024, conv3_4: 512 };
