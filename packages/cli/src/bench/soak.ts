/**
 * Soak benchmark (not a test): analyses N photos in one process with `analyzeEach` and prints, every 1,000 photos,
 * the process RSS, the V8 heap in use, the number of live tfjs tensors and the OpenCV/onnxruntime-independent
 * throughput, then the growth between the first report and the last (goal: flat within 5%).
 *
 * `node dist/bench/soak.js [--photos 10000] [--every 1000] [--concurrency 2] [--preset fast|accurate] [--detector NAME] [photo|folder...]`
 * Default photos: the shared photos (`<shared>/photos`) and this package's example photos, taken in turn; each one is
 * read and decoded from disk every time, as `fer analyze` would.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { isDetectorName } from "@fer/face-detect";
import { createPipeline, examplePhotosDir, expandImagePaths } from "@fer/pipeline";
import { sharedDir } from "../paths.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    photos: { type: "string", default: "10000" },
    every: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "2" },
    preset: { type: "string", default: "fast" },
    detector: { type: "string" },
  },
});
const total = Number(values.photos);
const every = Number(values.every);
if (!Number.isInteger(total) || total < 1 || !Number.isInteger(every) || every < 1) throw new Error("--photos and --every must be positive integers");
if (values.preset !== "fast" && values.preset !== "accurate") throw new Error("--preset must be fast or accurate");
if (values.detector !== undefined && !isDetectorName(values.detector)) throw new Error(`unknown detector ${values.detector}`);

const sources = positionals.length > 0 ? positionals : [path.join(sharedDir(), "photos"), examplePhotosDir()];
const photos = await expandImagePaths(sources);
if (photos.length === 0) throw new Error(`no photos in ${sources.join(", ")}`);

const pipeline = await createPipeline({ preset: values.preset, ...(values.detector !== undefined ? { detector: values.detector } : {}) });
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
process.stdout.write(
  `soak: ${total} photos (${photos.length} distinct, taken in turn), concurrency ${values.concurrency}; models: ${pipeline.models.detector} detector, ` +
    `${pipeline.models.featuriser}, head ${pipeline.models.head}; Node ${process.version}, tfjs backend ${tf.getBackend()}\n` +
    "photos | faces | RSS MB | heap used MB | tensors | ms/photo (last block)\n",
);

function* inputs(): Generator<string> {
  for (let i = 0; i < total; i++) yield photos[i % photos.length]!;
}
const reports: Array<{ rss: number; heap: number; tensors: number }> = [];
let done = 0;
let faces = 0;
let failed = 0;
let blockStart = performance.now();
for await (const item of pipeline.analyzeEach(inputs(), { concurrency: Number(values.concurrency) })) {
  done++;
  if (item.error !== undefined) failed++;
  else faces += item.result.faces.length;
  if (done % every === 0 || done === total) {
    const mem = process.memoryUsage();
    const tensors = tf.memory().numTensors;
    const ms = (performance.now() - blockStart) / (done % every === 0 ? every : done % every);
    reports.push({ rss: mem.rss, heap: mem.heapUsed, tensors });
    process.stdout.write(`${String(done).padStart(6)} | ${String(faces).padStart(5)} | ${mb(mem.rss).padStart(6)} | ${mb(mem.heapUsed).padStart(12)} | ${String(tensors).padStart(7)} | ${ms.toFixed(1)}\n`);
    blockStart = performance.now();
  }
}
pipeline.dispose();
const first = reports[0]!;
const last = reports[reports.length - 1]!;
const pct = (a: number, b: number): string => `${(((b - a) / a) * 100).toFixed(1)}%`;
process.stdout.write(
  `growth from the first report to the last: RSS ${pct(first.rss, last.rss)}, heap ${pct(first.heap, last.heap)}, tensors ${first.tensors} -> ${last.tensors}; ${failed} photos failed\n`,
);
