import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultClientConditions, defineConfig, type Plugin } from "vite";

// onnxruntime-web's WebAssembly glue and binary, served by the app at ort/ (configureWebEngine's wasmPaths), never
// from a CDN. Bundling the glue into the app's chunk breaks its threads (its workers would start the app's chunk).
// The asyncify pair is what onnxruntime-web's WebGPU build loads (?engine=webgpu, opt-in): fetched only then.
const ORT_FILES = ["ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm", "ort-wasm-simd-threaded.asyncify.mjs", "ort-wasm-simd-threaded.asyncify.wasm"];
const ortDist = path.join(realpathSync(fileURLToPath(new URL("node_modules/onnxruntime-web", import.meta.url))), "dist");

function ortFiles(): Plugin {
  return {
    name: "fer-ort-files",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.match(/\/ort\/([^?]+)/)?.[1];
        if (name === undefined || !ORT_FILES.includes(name)) return next();
        res.setHeader("Content-Type", name.endsWith(".wasm") ? "application/wasm" : "text/javascript");
        res.end(readFileSync(path.join(ortDist, name)));
      });
    },
    generateBundle() {
      for (const name of ORT_FILES) this.emitFile({ type: "asset", fileName: `ort/${name}`, source: readFileSync(path.join(ortDist, name)) });
    },
  };
}

// Cross-origin isolation, so that onnxruntime-web may use threads (?threads=N; the page's default, see src/main.ts).
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  base: "./",
  plugins: [ortFiles()],
  // The plain (non-"bundle") onnxruntime-web build, which loads its glue from wasmPaths.
  resolve: { conditions: ["onnxruntime-web-use-extern-wasm", ...defaultClientConditions] },
  // fer's packages find their model files with new URL(..., import.meta.url): keep them out of pre-bundling.
  optimizeDeps: { exclude: ["@fer/pipeline", "@fer/cnn", "@fer/face-detect", "@fer/heads", "@fer/preprocess", "@fer/runtime"] },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, assetsInlineLimit: 0 },
  server: { headers: isolation },
  preview: { headers: isolation },
});
