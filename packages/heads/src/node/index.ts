export * from "./features-file.js";
export * from "./head-file.js";
export * from "./mirrored-pairs.js";
