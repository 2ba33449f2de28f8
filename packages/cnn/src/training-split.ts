import { stratifiedSplit, subsetDataset, type FaceDataset } from "@fer/preprocess";
import { DatasetMismatchError } from "./cnn-model.js";
import type { ModelCard } from "./model-card.js";

/** Which images of a CNN's training folder: all, those it trained on, or the validation images it held out. */
export type TrainingPart = "all" | "train" | "validation";

/**
 * The part of `dataset` (the folder a CNN was trained on, loaded in the same order) that the CNN trained on or
 * held out for validation, recomputed from the seed and fraction in its card exactly as training split it.
 * Heads fitted on CNN features should be chosen on the held-out part: the CNN has seen the rest.
 * Throws {@link DatasetMismatchError} when the split cannot be the CNN's (a final fit has none; another
 * folder gives another validation count).
 */
export function trainingPartOf(dataset: FaceDataset, card: ModelCard, part: TrainingPart): FaceDataset {
  if (part === "all") return dataset;
  if (card.training.finalFit) {
    throw new DatasetMismatchError(`this CNN was trained on all of its data (final fit): it has no ${part} split`);
  }
  const split = stratifiedSplit(dataset.labels, { fraction: card.data.validationFraction, seed: card.data.seed });
  if (split.validation.length !== card.data.validationImages) {
    throw new DatasetMismatchError(
      `this folder gives ${split.validation.length} validation images where the CNN's card says ${card.data.validationImages}: ` +
        `it is not the folder the CNN was trained on (${card.data.source})`,
    );
  }
  return subsetDataset(dataset, part === "train" ? split.train : split.validation);
}
