import type * as tfl from "@tensorflow/tfjs-layers";
import type { FerCnn } from "./cnn-model.js";
import { modelDirOf } from "./model-dirs.js";
import { loadLayersModel } from "./model-io.js";

/**
 * A tfjs-layers model of the folder a CNN from `loadCnn` was loaded from (`loadCnn` itself runs an ONNX graph and holds
 * no tfjs-layers model). A new model each call, owned by the caller (dispose it). In the `@fer/cnn/train` entry,
 * whose types are tfjs-layers'.
 */
export async function layersModelOf(cnn: FerCnn): Promise<tfl.LayersModel> {
  const dir = modelDirOf(cnn);
  if (dir === undefined) throw new TypeError("not a CNN loaded by loadCnn of this copy of @fer/cnn");
  return loadLayersModel(dir);
}
