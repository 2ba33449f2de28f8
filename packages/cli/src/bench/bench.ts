import { execFile } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { promisify } from "node:util";
import { decodeImage } from "@fer/preprocess/node";
import { createPipeline, evaluateFolder, examplePhotosDir, findDefaultCnn, type PresetName } from "@fer/pipeline";
import { packageDir, sharedDir } from "../paths.js";

const run = promisify(execFile);

const HELP = `usage: node dist/bench/bench.js [--runs N] [--preset fast|accurate] [--cnn DIR] [--head FILE] [--detector NAME] [--fer] [--per-class N] [photo...]

Times analyze() end to end (decode, detect, crop, classify) on the example photos, and in the same run
@vladmandic/face-api's detectAllFaces().withFaceExpressions() on the same photos and the same backend (wasm),
in a child process. With --fer, also measures both classifiers' accuracy on FER2013 test crops
(--per-class N limits the images per class). Prints a Markdown table and the raw JSON.`;

/** Mean analyze() time over the photos, after one warm-up pass. */
async function timeOurs(photos: readonly string[], runs: number, options: Parameters<typeof createPipeline>[0]) {
  const pipeline = await createPipeline(options);
  try {
    for (const p of photos) await pipeline.analyze(p);
    let total = 0;
    let faces = 0;
    const perPhoto: Record<string, { ms: number; faces: number }> = {};
    for (let r = 0; r < runs; r++) {
      for (const p of photos) {
        const start = performance.now();
        const result = await pipeline.analyze(p);
        const ms = performance.now() - start;
        total += ms;
        faces += result.faces.length;
        const entry = (perPhoto[path.basename(p)] ??= { ms: 0, faces: result.faces.length });
        entry.ms += ms / runs;
      }
    }
    return { models: pipeline.models, msPerPhoto: total / (runs * photos.length), msPerFace: faces === 0 ? null : total / faces, perPhoto };
  } finally {
    pipeline.dispose();
  }
}

/** `pnpm bench`: pipeline vs face-api, per photo and per face, on one backend. */
export async function bench(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      runs: { type: "string", default: "3" },
      preset: { type: "string" },
      cnn: { type: "string" },
      head: { type: "string" },
      detector: { type: "string" },
      fer: { type: "boolean", default: false },
      "per-class": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values.cnn === undefined && (await findDefaultCnn()).dir === undefined) {
    process.stdout.write("bench skipped: no CNN is shipped yet; pass --cnn DIR (a folder written by fer train) or set FER_CNN_DIR\n");
    return 0;
  }
  process.env.FER_TF_BACKEND ??= "wasm";
  const { describeBackend, initBackend } = await import("@fer/runtime");
  const backend = describeBackend(await initBackend());
  const photos = positionals.length > 0 ? positionals.map((p) => path.resolve(p)) : ["apollo11_crew.jpg", "obama_family_2011.jpg"].map((f) => path.join(examplePhotosDir(), f));
  const runs = Number(values.runs);
  const sizes = await Promise.all(photos.map(async (p) => decodeImage(p).then((i) => `${path.basename(p)} ${i.width}x${i.height}`)));
  const options = {
    ...(values.preset !== undefined ? { preset: values.preset as PresetName } : {}),
    ...(values.cnn !== undefined ? { cnn: values.cnn } : {}),
    ...(values.head !== undefined ? { head: values.head } : {}),
    ...(values.detector !== undefined ? { detector: values.detector as "tiny-face" } : {}),
  };
  const ours = await timeOurs(photos, runs, options);
  const ssdOurs = values.detector === undefined ? await timeOurs(photos, runs, { ...options, detector: "ssd-mobilenet-v1" }) : undefined;
  const ferDir = path.join(sharedDir(), "datasets", "fer2013", "test");
  const worker = path.join(packageDir(), "bench", "face-api-worker.cjs");
  const faceApi = async (detector: "ssd" | "tiny", withFer: boolean) => {
    const args = [worker, "--runs", String(runs), "--detector", detector, ...(withFer ? ["--fer", ferDir, ...(values["per-class"] ? ["--per-class", values["per-class"]] : [])] : []), ...photos];
    const { stdout } = await run(process.execPath, args, { maxBuffer: 16 << 20 });
    return JSON.parse(stdout) as { detector: string; backend: string; msPerPhoto: number; msPerFace: number | null; perPhoto: Record<string, { ms: number; faces: number }>; fer2013?: { images: number; accuracy: number; msPerFace: number } };
  };
  const apiSsd = await faceApi("ssd", values.fer);
  const apiTiny = await faceApi("tiny", false);
  let oursFer: { images: number; accuracy: number; msPerFace: number } | undefined;
  if (values.fer) {
    const pipeline = await createPipeline(options);
    try {
      const r = await evaluateFolder(pipeline, ferDir);
      oursFer = { images: r.images, accuracy: r.accuracy, msPerFace: r.msPerFace };
      if (values["per-class"]) process.stderr.write("note: our FER2013 accuracy is on the whole test set; face-api's on --per-class images per class\n");
    } finally {
      pipeline.dispose();
    }
  }
  const faces = (p: Record<string, { faces: number }>) => Object.values(p).map((x) => x.faces).join("+");
  const fmt = (v: number | null) => (v === null ? "n/a" : v.toFixed(0));
  const rows = [
    `| @fer/pipeline analyze() (${ours.models.detector}; ${ours.models.featuriser}; ${ours.models.head}${ours.models.mirrorAverage ? " + mirror average" : ""}) | ${fmt(ours.msPerPhoto)} | ${fmt(ours.msPerFace)} | ${faces(ours.perPhoto)} | ${oursFer ? `${(oursFer.accuracy * 100).toFixed(2)}% (${oursFer.images})` : "-"} |`,
    ...(ssdOurs ? [`| @fer/pipeline analyze() (${ssdOurs.models.detector}; same classifier) | ${fmt(ssdOurs.msPerPhoto)} | ${fmt(ssdOurs.msPerFace)} | ${faces(ssdOurs.perPhoto)} | - |`] : []),
    `| face-api detectAllFaces().withFaceExpressions() (${apiSsd.detector}, its default) | ${fmt(apiSsd.msPerPhoto)} | ${fmt(apiSsd.msPerFace)} | ${faces(apiSsd.perPhoto)} | ${apiSsd.fer2013 ? `${(apiSsd.fer2013.accuracy * 100).toFixed(2)}% (${apiSsd.fer2013.images})` : "-"} |`,
    `| face-api detectAllFaces().withFaceExpressions() (${apiTiny.detector}) | ${fmt(apiTiny.msPerPhoto)} | ${fmt(apiTiny.msPerFace)} | ${faces(apiTiny.perPhoto)} | - |`,
  ];
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  process.stdout.write(
    [
      `photos: ${sizes.join(", ")}; ${runs} timed runs after one warm-up; ${os.cpus().length} x ${cpu}, Node ${process.version}`,
      `engines: ours ${ours.models.detector} on ${ours.models.engines.detector ?? "OpenCV.js"}, featuriser on ${ours.models.engines.featuriser} (FER_ENGINE=tfjs|onnxruntime forces one), tfjs backend ${backend}; face-api ${apiSsd.backend}`,
      "",
      "| pipeline | ms / photo | ms / face | faces found | FER2013 test accuracy (images) |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...rows,
      "",
      JSON.stringify({ ours, ssdOurs, oursFer, faceApiSsd: apiSsd, faceApiTiny: apiTiny }),
      "",
    ].join("\n"),
  );
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(packageDir(), "dist", "bench", "bench.js")) {
  process.exitCode = await bench(process.argv.slice(2));
}
