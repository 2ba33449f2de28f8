export * from "./features-file.js";
