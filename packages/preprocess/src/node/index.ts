/**
 * Node entry of `@fer/preprocess`: image decoding/encoding through sharp and the dataset loaders.
 * Everything browser-safe is re-exported too, so Node code can import from here only.
 */
export * from "../index.js";
export {
  decodeImage,
  encodeImage,
  saveImage,
  readImageFile,
  rawToImage,
  classifyDecodeError,
  canDecodeFormat,
  sniffImageFormat,
  isEightBitGraySource,
  resolveInputLimits,
  type DecodeOptions,
  type InputLimits,
} from "./decode.js";
export { writeFileAtomic, writeFilesAtomically, type AtomicFile } from "./atomic-write.js";
export { loadFolderDataset, decodeFaceFile, IMAGE_EXTENSIONS, type LoadFolderOptions, type LoadedDataset } from "./folder-dataset.js";
export { loadFer2013Csv, type LoadCsvOptions, type Fer2013Usage } from "./fer2013-csv.js";
export { defaultCacheDir } from "./cache-dir.js";
export { readDatasetCache, writeDatasetCache } from "./dataset-cache.js";
export type { DatasetProblem } from "./problems.js";
export { sharedDir } from "./shared-dir.js";
