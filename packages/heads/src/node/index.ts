export * from "./features-file.js";
export * from "./head-file.js";
