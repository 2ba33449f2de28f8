/**
 * Soak benchmark (not a test): analyses N photos in one process with `analyzeEach` and prints, every 1,000 photos,
 * the process RSS, the V8 heap in use, the number of live tfjs tensors and the OpenCV/onnxruntime-independent
 * throughput, then the growth between the first report and the last (goal: flat within 5%).
 *
 * `node dist/bench/soak.js [--photos 10000] [--every 1000] [--concurrency 2] [--preset fast|accurate] [--detector NAME]
 * [--sharp-cache on|off] [--sharp-concurrency N] [--ort-arena on|off] [photo|folder...]`
 * Default photos: the shared photos (`<shared>/photos`) and this package's example photos, taken in turn; each one is
 * read and decoded from disk every time, as `fer analyze` would.
 *
 * The memory variants a long-running server may set, tried here (the library itself changes none of them):
 * `--sharp-cache off` calls `sharp.cache(false)` (libvips's operation cache), `--sharp-concurrency N` calls
 * `sharp.concurrency(N)` (libvips's threads per image), `--ort-arena off` makes every onnxruntime session with
 * `enableCpuMemArena: false, enableMemPattern: false`. The allocator is chosen from outside: `MALLOC_ARENA_MAX=2` or
 * `LD_PRELOAD=libjemalloc.so.2` in the environment (the header prints both).
 */
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import sharp from "sharp";
import { loadOnnxRuntime } from "@fer/runtime";
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
    "sharp-cache": { type: "string", default: "on" },
    "sharp-concurrency": { type: "string" },
    "ort-arena": { type: "string", default: "on" },
  },
});
const total = Number(values.photos);
const every = Number(values.every);
if (!Number.isInteger(total) || total < 1 || !Number.isInteger(every) || every < 1) throw new Error("--photos and --every must be positive integers");
if (values.preset !== "fast" && values.preset !== "accurate") throw new Error("--preset must be fast or accurate");
if (values.detector !== undefined && !isDetectorName(values.detector)) throw new Error(`unknown detector ${values.detector}`);

const onOff = (name: string, value: string | undefined): boolean => {
  if (value !== "on" && value !== "off") throw new Error(`--${name} must be on or off`);
  return value === "on";
};
if (!onOff("sharp-cache", values["sharp-cache"])) sharp.cache(false);
if (values["sharp-concurrency"] !== undefined) {
  const n = Number(values["sharp-concurrency"]);
  if (!Number.isInteger(n) || n < 0) throw new Error("--sharp-concurrency must be a non-negative integer");
  sharp.concurrency(n);
}
if (!onOff("ort-arena", values["ort-arena"])) {
  // A benchmark-only switch: fer's createCpuSession takes no allocator options, so wrap the module's create.
  const ort = await loadOnnxRuntime();
  if (ort === undefined) throw new Error("--ort-arena off needs onnxruntime-node");
  const session = ort.InferenceSession as { create: (model: Uint8Array, options?: object) => Promise<unknown> };
  const create = session.create.bind(session);
  session.create = (model, options) => create(model, { ...options, enableCpuMemArena: false, enableMemPattern: false });
}

const sources = positionals.length > 0 ? positionals : [path.join(sharedDir(), "photos"), examplePhotosDir()];
const photos = await expandImagePaths(sources);
if (photos.length === 0) throw new Error(`no photos in ${sources.join(", ")}`);

const pipeline = await createPipeline({ preset: values.preset, ...(values.detector !== undefined ? { detector: values.detector } : {}) });
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
process.stdout.write(
  `soak: ${total} photos (${photos.length} distinct, taken in turn), concurrency ${values.concurrency}; models: ${pipeline.models.detector} detector, ` +
    `${pipeline.models.featuriser}, head ${pipeline.models.head}; Node ${process.version}, tfjs backend ${tf.getBackend()}\n` +
    `memory settings: MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? "unset"}, LD_PRELOAD=${process.env.LD_PRELOAD ?? "unset"}, ` +
    `sharp cache ${values["sharp-cache"]}, sharp concurrency ${sharp.concurrency()}, onnxruntime arena ${values["ort-arena"]}; ` +
    `started ${new Date().toISOString()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}\n` +
    "photos | faces | RSS MB | heap used MB | tensors | ms/photo (last block) | load (1 min) | time\n",
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
    process.stdout.write(`${String(done).padStart(6)} | ${String(faces).padStart(5)} | ${mb(mem.rss).padStart(6)} | ${mb(mem.heapUsed).padStart(12)} | ${String(tensors).padStart(7)} | ${ms.toFixed(1)} | ${os.loadavg()[0]!.toFixed(1)} | ${new Date().toISOString().slice(11, 19)}\n`);
    blockStart = performance.now();
  }
}
pipeline.dispose();
const first = reports[0]!;
const last = reports[reports.length - 1]!;
const pct = (a: number, b: number): string => `${(((b - a) / a) * 100).toFixed(1)}%`;
const rss = reports.map((r) => r.rss);
process.stdout.write(
  `growth from the first report to the last: RSS ${pct(first.rss, last.rss)}, heap ${pct(first.heap, last.heap)}, tensors ${first.tensors} -> ${last.tensors}; ` +
    `RSS between ${mb(Math.min(...rss))} and ${mb(Math.max(...rss))} MB over the reports (max ${pct(Math.min(...rss), Math.max(...rss))} above min); ${failed} photos failed\n`,
);
