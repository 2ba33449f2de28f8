import type { PreprocessSpec } from "@fer/preprocess";
import type { Architecture, OutputKind } from "./architectures.js";

/** Format tag and version of a saved fer CNN folder. */
export const MODEL_CARD_FORMAT = "fer-cnn-model";
export const MODEL_CARD_VERSION = 1;

/** Everything needed to reuse a trained CNN, saved as card.json beside model.json and weights.bin. */
export interface ModelCard {
  readonly format: typeof MODEL_CARD_FORMAT;
  readonly version: typeof MODEL_CARD_VERSION;
  readonly architecture: Architecture;
  readonly output: OutputKind;
  /** Class names in the order of the model's outputs. */
  readonly classes: readonly string[];
  /** The preprocessing every input goes through, at training and at inference. */
  readonly preprocess: PreprocessSpec;
  readonly parameters: number;
  readonly data: {
    readonly trainImages: number;
    readonly validationImages: number;
    readonly mirrored: boolean;
    /** Training faces were moved by up to this many pixels in x and y (random per draw); absent = not moved. */
    readonly shift?: number;
    readonly droppedUnhelpful: number;
    readonly source: string;
    readonly validationFraction: number;
    readonly seed: number;
  };
  readonly training: {
    readonly epochs: number;
    readonly bestEpoch: number;
    readonly batchSize: number;
    /** The initial Adam learning rate. */
    readonly learningRate: number;
    /** How the rate changed during training, when it did (e.g. reduced on validation plateaus). */
    readonly learningRateSchedule?: string;
    readonly optimizer: "adam";
    readonly loss: "categoricalCrossentropy" | "squaredHinge";
    /** Set when the cross-entropy was taken from the pre-softmax outputs (tf.keras' way) rather than clipped probabilities. */
    readonly crossEntropy?: "logits";
    readonly l2: number;
    readonly backend: string;
    readonly seconds: number;
    readonly finalFit: boolean;
    /** Seed of the weight initialisation and batch order. */
    readonly initSeed: number;
  };
  readonly metrics: {
    readonly trainAccuracy?: number;
    readonly validationAccuracy?: number;
    /** Filled in by an evaluation on a held-out test folder, never used for choices. */
    readonly testAccuracy?: number;
    /** The same test folder with each face's outputs averaged with its mirror image's (`cnn-eval --mirror-average`). */
    readonly testAccuracyMirrorAverage?: number;
    readonly testSet?: string;
  };
  readonly createdAt: string;
}

/**
 * Which model and layer compute a set of features, as features files and saved heads record it (`featuriser`):
 * a head fitted on one CNN's features is meaningless on another's, even of the same architecture.
 */
export function cnnFeaturiserId(card: ModelCard, layer: string): Readonly<Record<string, string>> {
  return { name: `cnn ${card.architecture}`, layer, model: card.createdAt };
}
