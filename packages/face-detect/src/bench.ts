#!/usr/bin/env node
/**
 * `pnpm bench` for @fer/face-detect: measures every detector on the shared WIDER FACE sample (detect-eval figures)
 * and times one 1024-pixel-wide photo, then prints Markdown tables for the README.
 * `--speed` times only (skips the WIDER FACE pass); `--only TEXT` runs only the variants whose label contains TEXT.
 * Each variant is timed on the photo with faces and on a face-free region of it (where yunet runs every pass).
 * `--sweep` runs the variants that have a `sweep` list once at a low score threshold and prints recall and false boxes
 * per image at each threshold of the list (for choosing `minScore`).
 * `--close-ups` counts, per variant, the faces found among 280 FER2013 training faces (the first 40 of each class by
 * file name) enlarged to 400x400, and in crops of the shared portraits around their faces (margins -0.1 to 0.25).
 * `--shared-models` reads the YuNet and UltraFace files of ../shared/models/face-detectors (to compare the variants
 * this package does not ship).
 * FER_WASM_THREADS sets the WebAssembly threads (see @fer/runtime); onnxruntime uses each detector's default threads
 * (one per physical core; 1 for yunet) unless the variant names them.
 * Data: ../shared beside the repo root, or FER_SHARED_DIR. Heavy: about 5 minutes of CPU time (most of it the Haar cascade); run it alone, under `nice`.
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readdir } from "node:fs/promises";
import { cropBox, resize, type Box, type Image } from "@fer/preprocess";
import { decodeImage } from "@fer/preprocess/node";
import { formatEvaluationTable } from "./cli.js";
import { createDetector, type DetectorOptionsByName } from "./detectors.js";
import { evaluateAtThresholds, evaluateDetector, type DetectorEvaluation } from "./evaluate.js";
import type { Detection, FaceDetector } from "./types.js";
import type { DetectorName } from "./types.js";
import { parseWiderFaceAnnotations } from "./widerface.js";

interface Variant {
  label: string;
  name: DetectorName;
  options: DetectorOptionsByName[DetectorName];
  /** Score thresholds for `--sweep` (the run itself uses the lowest). */
  sweep?: readonly number[];
  /** Needs `--shared-models` (a model file this package does not ship). */
  shared?: boolean;
}

const SWEEP = [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];

const VARIANTS: Variant[] = [
  { label: "haar", name: "haar", options: {} },
  { label: "ssd-mobilenet-v1", name: "ssd-mobilenet-v1", options: { engine: "tfjs" } },
  { label: "ssd-mobilenet-v1", name: "ssd-mobilenet-v1", options: { engine: "onnxruntime" } },
  { label: "ssd-mobilenet-v1 1 thread", name: "ssd-mobilenet-v1", options: { engine: "onnxruntime", threads: 1 } },
  { label: "ssd-mobilenet-v1 inputSize 416", name: "ssd-mobilenet-v1", options: { inputSize: 416, engine: "onnxruntime" } },
  { label: "tiny-face", name: "tiny-face", options: { engine: "tfjs" } },
  { label: "tiny-face", name: "tiny-face", options: { engine: "onnxruntime" } },
  { label: "yunet", name: "yunet", options: {}, sweep: SWEEP },
  { label: "yunet", name: "yunet", options: { engine: "tfjs" } },
  { label: "yunet 2 threads", name: "yunet", options: { threads: 2 } },
  { label: "yunet no close-up pass", name: "yunet", options: { closeUpSize: 0 }, sweep: SWEEP },
  { label: "yunet before 2026-12-07 evening (close-up minScore 0.55, no retry or turned passes)", name: "yunet", options: { closeUpMinScore: 0.55, retrySizes: [], rotations: [] }, sweep: SWEEP },
  { label: "yunet turned passes with a 0.25 border (2026-12-07 evening)", name: "yunet", options: { rotationPad: 0.25 } },
  { label: "yunet close-ups 160 and 320 always", name: "yunet", options: { closeUpSize: [160, 320], retrySizes: [] } },
  { label: "yunet inputSize 640", name: "yunet", options: { inputSize: 640 }, sweep: SWEEP },
  { label: "yunet inputSize 640 2 threads", name: "yunet", options: { inputSize: 640, threads: 2 } },
  { label: "yunet inputSize 416", name: "yunet", options: { inputSize: 416 }, sweep: SWEEP },
  { label: "yunet_s inputSize 640", name: "yunet", options: { model: "yunet/yunet_s_dynamic.onnx", inputSize: 640 }, sweep: SWEEP, shared: true },
  { label: "yunet_s inputSize 800", name: "yunet", options: { model: "yunet/yunet_s_dynamic.onnx", inputSize: 800 }, sweep: SWEEP, shared: true },
  { label: "yunet_s inputSize 800 2 threads", name: "yunet", options: { model: "yunet/yunet_s_dynamic.onnx", inputSize: 800, threads: 2 }, shared: true },
  { label: "ultraface RFB-320", name: "ultraface", options: { variant: "RFB-320" }, sweep: SWEEP },
  { label: "ultraface RFB-320", name: "ultraface", options: { variant: "RFB-320", engine: "tfjs" } },
  { label: "ultraface RFB-640", name: "ultraface", options: { variant: "RFB-640", modelDir: "ultraface" }, sweep: SWEEP, shared: true },
  { label: "ultraface slim-320", name: "ultraface", options: { variant: "slim-320", modelDir: "ultraface" }, sweep: SWEEP, shared: true },
];

/** A variant's options with its shared model paths (relative to ../shared/models/face-detectors) made absolute. */
function resolveShared(v: Variant, sharedModels: string): DetectorOptionsByName[DetectorName] {
  const o = { ...v.options } as Record<string, unknown>;
  for (const key of ["model", "modelDir"]) if (typeof o[key] === "string") o[key] = path.join(sharedModels, o[key]);
  return o as DetectorOptionsByName[DetectorName];
}

const TIMED_RUNS = 10;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(argv: string[]): Promise<void> {
  const speedOnly = argv.includes("--speed");
  // `--only ssd` keeps the variants whose label contains "ssd" (to keep a timing run short).
  const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;
  const sweep = argv.includes("--sweep");
  const useShared = argv.includes("--shared-models");
  const variants = VARIANTS.filter(
    (v) => (only === undefined || v.label.includes(only)) && (!sweep || v.sweep !== undefined) && (useShared || v.shared !== true),
  );
  const here = path.dirname(fileURLToPath(import.meta.url));
  const shared = process.env.FER_SHARED_DIR ?? path.resolve(here, "../../../../shared");
  const wider = path.join(shared, "datasets/widerface-val-sample");
  const { describeBackend, initBackend } = await import("@fer/runtime");
  const backend = describeBackend(await initBackend());
  const load0 = os.loadavg()[0]!;
  const gtFile = path.join(wider, "wider_face_val_bbx_gt.txt");
  const annotated = parseWiderFaceAnnotations(await readFile(gtFile, "utf8"), gtFile);
  const sharedModels = path.join(shared, "models/face-detectors");
  if (argv.includes("--close-ups")) {
    await closeUps(variants, shared, sharedModels);
    return;
  }
  if (sweep) {
    for (const v of variants) {
      const thresholds = v.sweep!;
      const detector = await createDetector(v.name, { ...resolveShared(v, sharedModels), minScore: Math.min(...thresholds), maxResults: 10000 } as never);
      const found: Detection[][] = [];
      try {
        await evaluateDetector(detector, annotated, (file) => decodeImage(path.join(wider, "images", file)), (_f, dets) => found.push([...dets]));
      } finally {
        detector.dispose();
      }
      const rows = evaluateAtThresholds(v.label, annotated, found, thresholds);
      process.stdout.write(
        `\n${v.label}: recall ≥40 px / false boxes per image / precision ≥40 px by minScore\n\n| minScore | recall ≥40 px | false / image | precision ≥40 px | recall all |\n| ---: | ---: | ---: | ---: | ---: |\n` +
          rows.map((r) => `| ${r.minScore} | ${(r.recall40 * 100).toFixed(1)}% | ${r.falsePerImage.toFixed(2)} | ${(r.precision40 * 100).toFixed(1)}% | ${(r.recallAll * 100).toFixed(1)}% |`).join("\n") +
          "\n",
      );
    }
    return;
  }

  // A 1024-pixel-wide photo: the shared 3458x2282 CC0 photo shrunk with area averaging.
  const big = await decodeImage(path.join(shared, "photos/women_on_phones.jpg"));
  const photo1024 = resize(big, 1024, Math.round((big.height * 1024) / big.width), { method: "area" });
  // Its lower left, below both faces (2100x1382 of the 3458x2282 photo), shrunk to 1024 px wide: no face.
  const region = cropBox(big, { x: 0, y: 900, width: 2100, height: 1382 });
  const noFace1024 = resize(region, 1024, Math.round((region.height * 1024) / region.width), { method: "area" });

  const rows: DetectorEvaluation[] = [];
  const speed: string[] = [];
  for (const v of variants) {
    const detector = await createDetector(v.name, resolveShared(v, sharedModels) as never);
    try {
      if (!speedOnly) {
        const row = await evaluateDetector(detector, annotated, (file) => decodeImage(path.join(wider, "images", file)));
        rows.push({ ...row, detector: v.label });
      }
      const withFaces = await timeDetector(detector, photo1024);
      const noFace = await timeDetector(detector, noFace1024);
      const label = detector.engine === undefined ? v.label : `${v.label} (${detector.engine})`;
      speed.push(
        `| ${label} | ${withFaces.median.toFixed(0)} | ${withFaces.fastest.toFixed(0)} | ${withFaces.cpuMs.toFixed(0)} | ${noFace.median.toFixed(0)} | ${noFace.cpuMs.toFixed(0)} (${noFace.faces} found) |`,
      );
      process.stderr.write(`${v.label}: done\n`);
    } finally {
      detector.dispose();
    }
  }
  const load1 = os.loadavg()[0]!;
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  process.stdout.write(
    [
      `Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${os.cpus().length}-core ${os.arch()} (${cpu}), no GPU, Node ${process.version}.`,
      `tfjs backend: ${backend}. Load average (1 min) at start/end: ${load0.toFixed(1)} / ${load1.toFixed(1)}.`,
      "",
      ...(speedOnly
        ? []
        : [`WIDER FACE sample (${annotated.length} images, ${gtFile.replace(shared, "../shared")}):`, "", formatEvaluationTable(rows), ""]),
      `One ${photo1024.width}x${photo1024.height} photo with faces and a ${noFace1024.width}x${noFace1024.height} face-free region of it, ${TIMED_RUNS} timed runs each after one warm-up (ms per detect(); CPU ms: the process's user + system time per call, all threads):`,
      "",
      "| detector | median ms | fastest ms | CPU ms | no face: median ms | no face: CPU ms |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
      ...speed,
      "",
    ].join("\n"),
  );
}

/** Times `detector` on `img`: one warm-up call (XNNPACK operators, wasm tier-up), then {@link TIMED_RUNS} timed calls. */
async function timeDetector(detector: FaceDetector, img: Image): Promise<{ median: number; fastest: number; cpuMs: number; faces: number }> {
  const faces = (await detector.detect(img)).length;
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < TIMED_RUNS; i++) {
    const t0 = performance.now();
    await detector.detect(img);
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  return { median: median(times), fastest: Math.min(...times), cpuMs: (cpu.user + cpu.system) / 1000 / TIMED_RUNS, faces };
}

/** Faces that fill the frame (see `--close-ups` above): prints one table row per variant. */
async function closeUps(variants: readonly Variant[], shared: string, sharedModels: string): Promise<void> {
  const root = path.join(shared, "datasets/fer2013/train");
  const fer: Image[] = [];
  for (const cls of (await readdir(root)).sort()) {
    for (const f of (await readdir(path.join(root, cls))).sort().slice(0, 40)) {
      fer.push(resize(await decodeImage(path.join(root, cls, f)), 400, 400, { method: "bilinear" }));
    }
  }
  // The hand-drawn boxes of test/fixtures/photo-faces.ts.
  const portraits: [string, Box][] = [
    ["biden_portrait.jpg", { x: 816, y: 551, width: 741, height: 941 }],
    ["face_paint_portrait.png", { x: 265, y: 295, width: 378, height: 479 }],
    ["women_on_phones.jpg", { x: 2225, y: 165, width: 531, height: 530 }],
  ];
  const margins = [-0.1, 0, 0.1, 0.25];
  const crops: Image[] = [];
  for (const [name, box] of portraits) {
    const photo = await decodeImage(path.join(shared, "photos", name));
    for (const margin of margins) crops.push(cropBox(photo, box, { margin }));
  }
  const rows: string[] = [];
  for (const v of variants) {
    const detector = await createDetector(v.name, resolveShared(v, sharedModels) as never);
    try {
      let found = 0;
      for (const img of fer) if ((await detector.detect(img)).length > 0) found++;
      let cropsFound = 0;
      for (const img of crops) if ((await detector.detect(img)).length > 0) cropsFound++;
      rows.push(`| ${v.label} | ${found} / ${fer.length} (${((100 * found) / fer.length).toFixed(1)}%) | ${cropsFound} / ${crops.length} |`);
      process.stderr.write(`${v.label}: done\n`);
    } finally {
      detector.dispose();
    }
  }
  process.stdout.write(
    [
      `Faces that fill the frame: FER2013 training faces enlarged to 400x400, and crops of ${portraits.map((p) => p[0]).join(", ")} at margins ${margins.join(", ")}:`,
      "",
      "| detector | FER2013 faces found | portrait crops with a face |",
      "| --- | ---: | ---: |",
      ...rows,
      "",
    ].join("\n"),
  );
}

await main(process.argv.slice(2));
// Threaded WebAssembly workers (FER_WASM_THREADS > 1) can keep Node alive once the work is done.
process.exit();
