// Writes the shipped CNN as an ONNX file for @fer/cnn/web (dist/models/<name>/model.onnx + web.json), with the same
// reader and in-memory writer (readCnnDescription, cnnToOnnx) loadCnn runs in Node, so the page runs the very same graph.
// Run by `pnpm build` after tsc; about 2 s.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultCnnDir, DEFAULT_MODEL_NAME, readCnnDescription } from "../dist/index.js";
import { cnnToOnnx } from "../dist/onnx/index.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = defaultCnnDir();
const out = path.join(root, "dist", "models", DEFAULT_MODEL_NAME);
const { bytes, names } = cnnToOnnx(await readCnnDescription(source));
const card = JSON.parse(await readFile(path.join(source, "card.json"), "utf8"));
await mkdir(out, { recursive: true });
const write = async (file, data) => {
  await writeFile(`${file}.tmp`, data);
  await rename(`${file}.tmp`, file);
};
await write(path.join(out, "model.onnx"), bytes);
await write(path.join(out, "web.json"), JSON.stringify({ names, classes: card.classes, preprocess: card.preprocess, architecture: card.architecture, createdAt: card.createdAt ?? null }));
console.log(`@fer/cnn: wrote ${path.relative(root, out)}/model.onnx (${bytes.length} bytes) for the web entry`);
