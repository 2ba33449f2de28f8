// The cli's tests share @fer/pipeline's test set-up: its helpers (FER2013 slices, the example photos) and its global
// setup (vitest.config.ts: one tiny CNN trained once for every test file; the type import below declares
// `inject("tinyCnnDir")`).
import type {} from "../../pipeline/test/global-setup.js";
export { fer2013, ferSlice, isModelFolder, PHOTOS } from "../../pipeline/test/helpers.js";
