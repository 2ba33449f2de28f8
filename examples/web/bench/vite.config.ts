// The benchmark's build: the example page (fer) and bench/faceapi.html (face-api) side by side, in bench-dist/.
import { fileURLToPath } from "node:url";
import { defineConfig, mergeConfig } from "vite";
import base from "../vite.config.js";

const root = fileURLToPath(new URL("..", import.meta.url));
export default mergeConfig(
  base,
  defineConfig({
    root,
    build: {
      outDir: "bench-dist",
      rollupOptions: { input: { index: `${root}index.html`, faceapi: `${root}bench/faceapi.html` } },
    },
  }),
);
