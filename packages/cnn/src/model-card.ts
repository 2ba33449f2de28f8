import type { PreprocessSpec } from "@fer/preprocess";
import type { Architecture, OutputKind } from "./architecture-specs.js";
import type { OptimizerName } from "./optimizer-spec.js";

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
    /** On-the-fly augmentation of the training faces (`fer train --augment` syntax); absent = none. */
    readonly augment?: string;
    /**
     * Soft training targets, when not the one-hot label: shares of FER+ votes and of a teacher's probabilities mixed
     * with the label, then label smoothing; with the files and how many training images fell back to their label.
     */
    readonly targets?: {
      readonly ferplusWeight: number;
      readonly teacherWeight: number;
      readonly labelSmoothing: number;
      readonly ferplusFile?: string;
      readonly teacherFile?: string;
      readonly ferplusFallback?: number;
      readonly teacherFallback?: number;
    };
    readonly source: string;
    readonly validationFraction: number;
    readonly seed: number;
  };
  readonly training: {
    readonly epochs: number;
    readonly bestEpoch: number;
    readonly batchSize: number;
    /** The initial (or, with a batch schedule, peak) learning rate. */
    readonly learningRate: number;
    /** How the rate changed during training, when it did (e.g. reduced on validation plateaus). */
    readonly learningRateSchedule?: string;
    readonly optimizer: OptimizerName;
    /** The optimiser with its settings in words (weight decay, momentum), when not plain Adam. */
    readonly optimizerDetail?: string;
    /** Decay of the exponential moving average of the weights, when one was kept. */
    readonly ema?: number;
    /** Which weights this folder holds: the trained ones (`raw`, also when absent) or their moving average (`ema`). */
    readonly weights?: "raw" | "ema";
    /** What chose the best epoch on validation: FER2013 accuracy (also when absent), FER+ majority accuracy, or their mean. */
    readonly selectedBy?: "fer2013" | "ferplus" | "mean";
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
    /** Validation accuracy against FER+'s majority label (unique top vote among the 7 emotions), over the images that have one. */
    readonly validationFerPlusAccuracy?: number;
    /** Validation images scored against FER+ (with a majority label) and left out (no row, tie, or contempt/unknown/NF on top). */
    readonly validationFerPlusImages?: number;
    readonly validationFerPlusExcluded?: number;
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
