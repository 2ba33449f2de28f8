// The one place @fer/cnn loads @tensorflow/tfjs-layers, an optional peer that only training needs: every module of
// `@fer/cnn/train` that calls it imports `tfl` from here (and its types with `import type`), so that importing the
// training entry without the package throws a MissingPackageError naming it instead of a resolution error.
import type * as Tfl from "@tensorflow/tfjs-layers";
import { MissingPackageError, TFJS_LAYERS_PACKAGE } from "./missing-package.js";

async function load(): Promise<typeof Tfl> {
  try {
    // A plain string variable keeps bundlers and tsc from resolving the optional peer.
    const name: string = TFJS_LAYERS_PACKAGE;
    return (await import(name)) as typeof Tfl;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes(TFJS_LAYERS_PACKAGE)) throw e;
    throw new MissingPackageError(
      TFJS_LAYERS_PACKAGE,
      `@fer/cnn/train (training, grid search, tfjs-layers models) needs ${TFJS_LAYERS_PACKAGE}, which is not installed: ` +
        `npm install ${TFJS_LAYERS_PACKAGE}@4.22.0 (loadCnn and inference do not need it)`,
      { cause: e },
    );
  }
}

/** The tfjs-layers module (loaded when this module is first imported). */
export const tfl: typeof Tfl = await load();
