/**
 * Speed of the presets' classification per face (not a test): for each preset (`fast`, `accurate`) and each engine
 * (onnxruntime with 1 and 2 intra-op threads, tfjs's WebAssembly backend with 1 and 2 threads), in one run, the
 * milliseconds per face of `classifyGrayBlock` on a block of FER2013 training faces (48x48 gray, as `fer eval` times
 * them) and of `classifyFaces` on one face at a time (as `analyze` on a photo with one face). Each configuration runs
 * in its own child process (tfjs's backend and its threads are chosen once per process), one after the other.
 * The preset's own mirror averaging is on (two network passes per face when the preset's head file says so).
 *
 * `node dist/bench/preset-speed.js [--faces 128] [--single 16] [--rounds 3] [--presets fast,accurate] [--json]`
 */
import { execFile } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { EMOTIONS } from "@fer/preprocess";
import { decodeFaceFile } from "@fer/preprocess/node";
import { createPipeline, type PresetName } from "@fer/pipeline";
import { readdir } from "node:fs/promises";
import { sharedDir } from "../paths.js";

const run = promisify(execFile);

/** One configuration: a preset on an engine with a thread count. */
interface Config {
  readonly preset: PresetName;
  readonly engine: "onnxruntime" | "tfjs";
  readonly threads: number;
}

/** What a child measures. */
interface Measured extends Config {
  readonly featuriser: string;
  readonly engines: Record<string, string>;
  readonly mirrorAverage: boolean;
  /** Median over the rounds of the block's time divided by its faces. */
  readonly blockMsPerFace: number;
  /** The process's CPU time (user + system, every thread) over the block rounds, per face: less sensitive to other load than wall time. */
  readonly blockCpuMsPerFace: number;
  /** Median over the single faces of one `classifyFaces([face])` call. */
  readonly singleMsPerFace: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The first faces of each class of FER2013's training folder, in turn, as one gray block. */
async function trainingFaces(count: number): Promise<Uint8Array> {
  const root = path.join(sharedDir(), "datasets", "fer2013", "train");
  const perClass = Math.ceil(count / EMOTIONS.length);
  const files: string[] = [];
  for (const cls of EMOTIONS) files.push(...(await readdir(path.join(root, cls))).sort().slice(0, perClass).map((f) => path.join(root, cls, f)));
  const block = new Uint8Array(count * 48 * 48);
  for (let i = 0; i < count; i++) block.set(await decodeFaceFile(files[i]!, 48), i * 48 * 48);
  return block;
}

/** Runs in the child: loads the configuration's pipeline, warms it up, times it. */
async function measure(config: Config, faces: number, single: number, rounds: number): Promise<Measured> {
  const pipeline = await createPipeline({
    preset: config.preset,
    engine: config.engine,
    threads: config.threads,
  });
  try {
    const block = await trainingFaces(faces);
    await pipeline.classifyGrayBlock(block.subarray(0, 8 * 48 * 48), 8); // warm-up
    const blockTimes: number[] = [];
    const cpu = process.cpuUsage();
    for (let r = 0; r < rounds; r++) {
      const start = performance.now();
      await pipeline.classifyGrayBlock(block, faces);
      blockTimes.push((performance.now() - start) / faces);
    }
    const used = process.cpuUsage(cpu);
    const blockCpuMsPerFace = (used.user + used.system) / 1000 / (rounds * faces);
    const singleTimes: number[] = [];
    for (let i = 0; i < single; i++) {
      const face = { width: 48, height: 48, channels: 1 as const, data: block.subarray(i * 48 * 48, (i + 1) * 48 * 48) };
      const start = performance.now();
      await pipeline.classifyFaces([face]);
      singleTimes.push(performance.now() - start);
    }
    return {
      ...config,
      featuriser: pipeline.models.featuriser,
      engines: { ...pipeline.models.engines },
      mirrorAverage: pipeline.models.mirrorAverage,
      blockMsPerFace: median(blockTimes),
      blockCpuMsPerFace,
      singleMsPerFace: median(singleTimes),
    };
  } finally {
    pipeline.dispose();
  }
}

const { values } = parseArgs({
  options: {
    faces: { type: "string", default: "128" },
    single: { type: "string", default: "16" },
    rounds: { type: "string", default: "3" },
    presets: { type: "string", default: "fast,accurate" },
    json: { type: "boolean", default: false },
    child: { type: "string" },
  },
});
const faces = Number(values.faces);
const single = Number(values.single);
const rounds = Number(values.rounds);
if (![faces, single, rounds].every((n) => Number.isInteger(n) && n >= 1)) throw new Error("--faces, --single and --rounds must be positive integers");

if (values.child !== undefined) {
  const measured = await measure(JSON.parse(values.child) as Config, faces, single, rounds);
  // tfjs's threaded WebAssembly workers keep the process alive after dispose: exit once the line is out.
  process.stdout.write(`${JSON.stringify(measured)}\n`, () => process.exit(0));
} else {
  const presets = values.presets.split(",") as PresetName[];
  const configs: Config[] = presets.flatMap((preset) =>
    (["onnxruntime", "tfjs"] as const).flatMap((engine) => [1, 2].map((threads) => ({ preset, engine, threads }))),
  );
  const started = new Date();
  const load = os.loadavg()[0]!.toFixed(1);
  const results: Measured[] = [];
  const env = { ...process.env };
  delete env.FER_ENGINE;
  delete env.FER_TF_BACKEND;
  for (const config of configs) {
    const args = [fileURLToPath(import.meta.url), "--faces", String(faces), "--single", String(single), "--rounds", String(rounds), "--child", JSON.stringify(config)];
    const { stdout } = await run(process.execPath, args, { env, maxBuffer: 1 << 20 });
    const m = JSON.parse(stdout.trim().split("\n").pop()!) as Measured;
    results.push(m);
    process.stderr.write(`${m.preset} ${m.engine} ${m.threads} thread(s): ${m.blockMsPerFace.toFixed(2)} ms/face in a block, ${m.singleMsPerFace.toFixed(2)} one at a time\n`);
  }
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  process.stdout.write(
    `preset speed ${started.toISOString()} - ${new Date().toISOString()}; ${os.cpus().length} x ${cpu}, Node ${process.version}; ` +
      `load average ${load} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end; ${faces} FER2013 training faces per block, median of ${rounds} rounds; ${single} faces one at a time\n\n` +
      `| preset | engine | threads | ms/face (block of ${faces}) | CPU ms/face (block) | ms/face (one at a time) | mirror averaging | what ran |\n| --- | --- | ---: | ---: | ---: | ---: | --- | --- |\n`,
  );
  for (const m of results) {
    process.stdout.write(
      `| ${m.preset} | ${m.engine === "tfjs" ? "tfjs wasm" : m.engine} | ${m.threads} | ${m.blockMsPerFace.toFixed(2)} | ${m.blockCpuMsPerFace.toFixed(2)} | ${m.singleMsPerFace.toFixed(2)} | ${m.mirrorAverage ? "on" : "off"} | ${m.featuriser} (${Object.entries(m.engines).map(([k, v]) => `${k} ${v}`).join(", ")}) |\n`,
    );
  }
  if (values.json) process.stdout.write(`\n${JSON.stringify(results)}\n`);
}
