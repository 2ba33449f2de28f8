/* global window, document */
// ms per photo: fer's page (onnxruntime-web wasm, 1 thread; with and without mirror averaging) against face-api's
// detectAllFaces().withFaceExpressions() (tfjs wasm, 1 thread) in the same page setup, and Node's createPipeline()
// (onnxruntime-node) in this process, interleaved so all see the same machine load: for each rep, each photo goes
// through every config in turn. Page times exclude decoding. Not a test. Usage (examples/web):
//   npx vite build -c bench/vite.config.ts && REPS=3 node bench/faceapi-bench.mjs
import { realpathSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPipeline } from "@fer/pipeline";
import { decodeImage, sharedDir } from "@fer/preprocess/node";
import { chromium } from "playwright-core";
import { startStaticServer } from "../scripts/static-server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = (name) => realpathSync(path.join(here, "..", "node_modules", name));
const REPS = Number(process.env.REPS ?? 3);
const PHOTOS_DIR = path.join(sharedDir(), "photos");
const photos = (process.env.PHOTOS ?? "apollo11_crew.jpg,obama_family_2011.jpg,classroom_tanzania.jpg,women_on_phones.jpg,biden_portrait.jpg,face_paint_portrait.png,european_council_2011.jpg").split(",");
const configs = (process.env.CONFIGS ?? "fer,fer-nomirror,faceapi,node").split(",");
// Page configs: fer with 1 thread (the page's default) or 2 (fer-t2; the page is cross-origin isolated); face-api on
// tfjs's single-threaded wasm (its threaded build does not run bundled by Vite: bench/faceapi.ts).
const urls = { fer: "index.html?threads=1", "fer-nomirror": "index.html?threads=1&mirror=off", "fer-t2": "index.html?threads=2", faceapi: "bench/faceapi.html" };

console.log(`load average at the start ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
const server = await startStaticServer([
  ["/photos/", PHOTOS_DIR],
  ["/faceapi-model/", path.join(modules("@vladmandic/face-api"), "model")],
  ["/tfjs/", path.join(modules("@tensorflow/tfjs-backend-wasm"), "dist")],
  ["/", path.join(here, "..", "bench-dist")],
]);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true });
const problems = [];
const pages = {};
for (const c of configs.filter((c) => c !== "node")) {
  const page = await browser.newPage();
  page.on("console", (m) => {
    // face-api reads the canvas itself and Chromium suggests willReadFrequently: its own warning, not an error.
    if ((m.type() === "error" || m.type() === "warning") && !m.text().includes("willReadFrequently")) problems.push(`${c} console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`${c} page error: ${e.message}`));
  await page.goto(`${server.url}/${urls[c]}`);
  console.error(c, JSON.stringify(await page.evaluate(async () => { await window.fer.ready; return document.querySelector("#status")?.textContent; })));
  pages[c] = page;
}
const pipeline = configs.includes("node") ? await createPipeline() : undefined;
const decoded = new Map();
async function runNode(name) {
  if (!decoded.has(name)) decoded.set(name, await decodeImage(path.join(PHOTOS_DIR, name)));
  const start = performance.now();
  const r = await pipeline.analyzeImage(decoded.get(name));
  return { faces: r.faces, ms: performance.now() - start };
}
const times = {};
const faces = {};
for (let rep = 0; rep <= REPS; rep++) {
  for (const name of photos) {
    for (const c of configs) {
      const r = c === "node" ? await runNode(name) : await pages[c].evaluate((u) => window.fer.analyzeUrl(u), `/photos/${name}`);
      if (rep === 0) {
        (faces[c] ??= {})[name] = (r.result?.faces ?? r.faces).length; // rep 0 warms up
        continue;
      }
      ((times[c] ??= {})[name] ??= []).push(r.ms);
    }
  }
  console.error(`rep ${rep} of ${REPS} done`);
}
console.log(`${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0]?.model}), load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`| photo | faces (${configs.join(" / ")}) | ${configs.map((c) => `${c} ms`).join(" | ")} |`);
console.log(`|---|---|${configs.map(() => "---:").join("|")}|`);
for (const name of photos) console.log(`| ${name} | ${configs.map((c) => faces[c][name]).join(" / ")} | ${configs.map((c) => median(times[c][name]).toFixed(0)).join(" | ")} |`);
console.log(`| **sum of medians** | | ${configs.map((c) => photos.reduce((s, n) => s + median(times[c][n]), 0).toFixed(0)).join(" | ")} |`);
if (problems.length > 0) console.log("problems:", problems);
if (process.env.OUT) writeFileSync(process.env.OUT, JSON.stringify({ reps: REPS, photos, configs, times, faces, problems }, null, 1));
pipeline?.dispose();
await browser.close();
await server.close();
