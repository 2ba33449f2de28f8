import type * as tfl from "@tensorflow/tfjs-layers";
import type { FerCnn } from "./cnn-model.js";

/** The tfjs-layers model behind each loaded CNN (for the training entry's {@link layersModelOf}). */
const layersModels = new WeakMap<FerCnn, tfl.LayersModel>();

/**
 * The tfjs-layers model a CNN from `loadCnn` runs (owned by the CNN: disposed by its `dispose()`). In the
 * `@fer/cnn/train` entry, whose types are tfjs-layers'; the root entry's `FerCnn` does not expose it.
 */
export function layersModelOf(cnn: FerCnn): tfl.LayersModel {
  const model = layersModels.get(cnn);
  if (model === undefined) throw new TypeError("not a CNN loaded by loadCnn of this copy of @fer/cnn");
  return model;
}

/** Records the model behind a CNN `loadCnn` made (kept apart so that cnn-model's declarations stay free of tfjs). */
export function rememberLayersModel(cnn: FerCnn, model: tfl.LayersModel): void {
  layersModels.set(cnn, model);
}
