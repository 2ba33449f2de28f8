export * from "./emotions.js";
export * from "./image.js";
export * from "./dataset.js";
