/**
 * The kill test of `fer train`: trains a tiny CNN (a few FER2013 training images per class, architecture A, Nesterov
 * SGD with a cosine schedule and a weight average, as the project's recipe, one onnxruntime thread) once without
 * interruption, then, `runs` times, starts the same run in a fresh folder, kills it with a real signal (SIGKILL and
 * SIGTERM in turn, at a random point of its training; one kill in four while it starts; every third run with SIGKILL
 * 0-3 ms after a checkpoint save after the first is seen in progress) and resumes it with `--resume`,
 * killing each resumed run again up to `kills` times in all, until it completes. After every kill the checkpoint must
 * be absent or verify (`loadCheckpoint` of `@fer/cnn/train`: manifest, sizes, hashes); every resume must be accepted; and
 * the completed run's checkpoint weights, weight average and optimizer state and its best/ weights must be
 * bit-identical to the uninterrupted run's.
 *
 * `node dist/bench/kill-train.js [--runs 20] [--kills 2] [--seed 25] [--per-class 6] [--epochs 3]`
 * `test/kill-train.test.ts` runs a short version in CI.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, watch } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadCheckpoint } from "@fer/cnn/train";
import { seededRandom } from "@fer/preprocess";
import { packageDir, sharedDir } from "../paths.js";

/** Options of {@link runTrainKillTest}. */
export interface TrainKillTestOptions {
  /** Interrupted runs (default 20). */
  readonly runs?: number;
  /** Kills per run at most, the first one in the fresh run and the others in its resumed runs (default 2). */
  readonly kills?: number;
  readonly seed?: number;
  /** FER2013 training images per class in the tiny dataset (default 6). */
  readonly perClass?: number;
  /** Epochs of the tiny run (default 3). */
  readonly epochs?: number;
  /** Called after each run with its line of the report. */
  readonly onRun?: (line: string) => void;
}

/** One interrupted run, resumed to the end. */
export interface TrainKillRun {
  /**
   * Each kill: the signal, when ("start +N ms" after the process started, "training +N ms" after its training started,
   * "save N +M ms" after its N-th checkpoint save started), how the process ended and the checkpoint it left.
   */
  readonly kills: Array<{ signal: "SIGKILL" | "SIGTERM"; at: string; exit: number | string; checkpoint: string }>;
  /** Processes started (the kills, the resumes, and the last one that completed). */
  readonly processes: number;
  /** What was wrong; empty when the run passed. */
  readonly problems: string[];
}

/** The files compared with the uninterrupted run, relative to the output folder. */
const COMPARED = ["checkpoint/weights.bin", "checkpoint/ema.bin", "checkpoint/optimizer.bin", "best/weights.bin"];

/** The `fer train` flags of the tiny run. */
function trainFlags(data: string, out: string, epochs: number): string[] {
  return [
    "train", "--data", data, "--out", out, "--arch", "A", "--epochs", String(epochs), "--batch", "8", "--no-mirror", "--seed", "9",
    "--optimizer", "nesterov", "--lr", "0.01", "--momentum", "0.9", "--weight-decay", "5e-4", "--lr-schedule", "cosine",
    "--warmup-epochs", "1", "--min-lr", "1e-5", "--ema", "0.99", "--workers", "1",
  ];
}

interface Started {
  /** Exit code, or the signal that ended the process. */
  readonly exit: number | string;
  readonly ms: number;
  /** When the training started (its "training ... on N images" line), ms after the process started. */
  readonly trainingAtMs: number | undefined;
  readonly stderr: string;
  /** Whether the signal was sent before the process ended. */
  readonly killed: boolean;
}

/** When a kill is sent: `afterMs` after the process started, after its training started, or after its `save`-th checkpoint save started. */
interface KillAt {
  readonly signal: NodeJS.Signals;
  readonly afterMs: number;
  readonly from: "start" | "training" | { save: number };
}

/** Runs `fer train`; with `kill`, sends the signal at that point (a save starts when `checkpoint.new` appears in `out`). */
function runTrain(args: string[], cacheDir: string, out: string, kill?: KillAt): Promise<Started> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(packageDir(), "bin", "fer.js"), ...args], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, FER_CACHE_DIR: cacheDir },
    });
    let stderr = "";
    let killed = false;
    let ended = false;
    let trainingAtMs: number | undefined;
    const send = () => {
      if (ended || killed) return;
      killed = true;
      child.kill(kill!.signal);
    };
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (trainingAtMs === undefined && /^training .* on \d+ images/m.test(stderr)) {
        trainingAtMs = performance.now() - started;
        if (kill?.from === "training") timer = setTimeout(send, kill.afterMs);
      }
    });
    let watcher: ReturnType<typeof watch> | undefined;
    if (kill?.from === "start") timer = setTimeout(send, kill.afterMs);
    const from = kill?.from;
    if (typeof from === "object") {
      let saves = 0;
      // checkpoint.new is named when it is made and when it is renamed away (or removed): a save counts when the
      // folder still exists as the event arrives, i.e. the save is in progress (a save over before is not counted).
      watcher = watch(out, (_event, name) => {
        if (name !== "checkpoint.new" || !existsSync(path.join(out, "checkpoint.new")) || ++saves !== from.save) return;
        if (kill!.afterMs === 0) send();
        else timer = setTimeout(send, kill!.afterMs);
      });
    }
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      ended = true;
      clearTimeout(timer);
      watcher?.close();
      resolve({ exit: code ?? signal ?? "unknown", ms: performance.now() - started, trainingAtMs, stderr, killed });
    });
  });
}

/** SHA-256 of a file, or "missing". */
async function hash(file: string): Promise<string> {
  try {
    return createHash("sha256").update(await readFile(file)).digest("hex");
  } catch {
    return "missing";
  }
}

/**
 * What the checkpoint folder holds after a kill: "none", "N epochs done[, epoch E at image M]" when it verifies, or
 * the error; and whether a save was cut (`checkpoint.new` or `checkpoint.old` left beside it).
 */
async function inspectCheckpoint(out: string): Promise<{ text: string; error?: string }> {
  const cut = [".new", ".old"].filter((x) => existsSync(path.join(out, `checkpoint${x}`)));
  const text = (t: string) => `${t}${cut.length > 0 ? ` (save cut: checkpoint${cut.join(", checkpoint")} left)` : ""}`;
  try {
    const c = await loadCheckpoint(path.join(out, "checkpoint"));
    if (c === undefined) return { text: text("none") };
    const state = JSON.parse(c.files.get("state.json")!.toString()) as { epochsDone: number; partial?: { epoch: number; nextStart: number } };
    const from = path.basename(c.dir) === "checkpoint" ? "" : ` (from ${path.basename(c.dir)})`;
    const partial = state.partial === undefined ? "" : `, epoch ${state.partial.epoch} at image ${state.partial.nextStart}`;
    return { text: text(`${state.epochsDone} epochs done${partial}${from}`) };
  } catch (e) {
    return { text: text("CORRUPT"), error: (e as Error).message };
  }
}

/**
 * Runs the kill test: one uninterrupted reference run (its time sets the range of kill times), then `runs`
 * interrupted and resumed ones. Resolves with every run; a run passed when its `problems` are empty.
 */
export async function runTrainKillTest(options: TrainKillTestOptions = {}): Promise<{ referenceMs: number; trainingMs: number; runs: TrainKillRun[] }> {
  const rand = seededRandom(options.seed ?? 25);
  const epochs = options.epochs ?? 3;
  const maxKills = options.kills ?? 2;
  const work = await mkdtemp(path.join(tmpdir(), "fer-kill-train-"));
  try {
    const data = path.join(work, "data");
    const source = path.join(sharedDir(), "datasets", "fer2013", "train");
    for (const cls of (await readdir(source)).sort()) {
      await mkdir(path.join(data, cls), { recursive: true });
      for (const f of (await readdir(path.join(source, cls))).sort().slice(0, options.perClass ?? 6)) await copyFile(path.join(source, cls, f), path.join(data, cls, f));
    }
    const cache = path.join(work, "cache");
    const refOut = path.join(work, "ref");
    const ref = await runTrain(trainFlags(data, refOut, epochs), cache, refOut);
    if (ref.exit !== 0 || ref.trainingAtMs === undefined) throw new Error(`the reference run failed (exit ${ref.exit}): ${ref.stderr.slice(-2000)}`);
    const trainingMs = ref.ms - ref.trainingAtMs;
    // Kill times are drawn below the shortest start-up and training seen in a whole fresh run (the machine's load
    // varies: times drawn from a slow reference run would often come after a faster run had finished).
    let startMs = ref.trainingAtMs;
    let fastestMs = trainingMs;
    const reference = await Promise.all(COMPARED.map((f) => hash(path.join(refOut, f))));
    if (reference.includes("missing")) throw new Error(`the reference run left no ${COMPARED[reference.indexOf("missing")]}`);
    const runs: TrainKillRun[] = [];
    for (let k = 0; k < (options.runs ?? 20); k++) {
      const out = path.join(work, `run-${k}`);
      await mkdir(out);
      const flags = trainFlags(data, out, epochs);
      const kills: TrainKillRun["kills"] = [];
      const problems: string[] = [];
      let processes = 0;
      let completed = false;
      for (let attempt = 0; !completed && attempt < maxKills + 3; attempt++) {
        const args = attempt === 0 ? flags : [...flags, "--resume"];
        const killNow = kills.length < maxKills;
        const signal: NodeJS.Signals = (k + kills.length) % 2 === 0 ? "SIGKILL" : "SIGTERM";
        // A save after the first (epoch ends; a SIGTERM's save is the last), so that a previous checkpoint exists.
        const from: KillAt["from"] =
          signal === "SIGKILL" && k % 3 === 2 && epochs > 1
            ? { save: 2 + Math.floor(rand() * (epochs - 1)) }
            : (k + kills.length) % 4 === 3
              ? "start"
              : "training";
        const afterMs = typeof from === "object" ? Math.floor(rand() * 4) : Math.round(rand() * (from === "start" ? startMs : 0.9 * fastestMs));
        const r = await runTrain(args, cache, out, killNow ? { signal, afterMs, from } : undefined);
        processes++;
        if (!r.killed) {
          if (attempt === 0 && r.exit === 0 && r.trainingAtMs !== undefined) {
            startMs = Math.min(startMs, r.trainingAtMs);
            fastestMs = Math.min(fastestMs, r.ms - r.trainingAtMs);
          }
          if (r.exit !== 0) {
            problems.push(`${attempt === 0 ? "the run" : "a resume"} failed (exit ${r.exit}): ${r.stderr.trim().split("\n").slice(-2).join(" / ")}`);
            break;
          }
          completed = true;
          continue;
        }
        const checkpoint = await inspectCheckpoint(out);
        if (checkpoint.error !== undefined) problems.push(`corrupt checkpoint after ${signal}: ${checkpoint.error}`);
        // SIGTERM is handled: the trainer saves a checkpoint and exits 143 (or Node ends at once before fer's handler is set).
        if (signal === "SIGTERM" && r.exit !== 143 && r.exit !== "SIGTERM") problems.push(`SIGTERM: exit ${r.exit}`);
        kills.push({ signal, at: `${typeof from === "object" ? `save ${from.save}` : from} +${afterMs} ms`, exit: r.exit, checkpoint: checkpoint.text });
        if (checkpoint.error !== undefined) break;
      }
      if (completed) {
        const got = await Promise.all(COMPARED.map((f) => hash(path.join(out, f))));
        COMPARED.forEach((f, i) => {
          if (got[i] !== reference[i]) problems.push(`${f} differs from the uninterrupted run's`);
        });
      } else if (problems.length === 0) problems.push("did not complete");
      const run: TrainKillRun = { kills, processes, problems };
      runs.push(run);
      options.onRun?.(
        `${String(k + 1).padStart(2)} ${kills.map((x) => `${x.signal} at ${x.at} -> exit ${x.exit}, checkpoint ${x.checkpoint}`).join("; ") || "no kill landed"}; ` +
          `${processes} processes: ${problems.length === 0 ? "same weights, ok" : `FAILED: ${problems.join("; ")}`}`,
      );
      await rm(out, { recursive: true, force: true });
    }
    return { referenceMs: ref.ms, trainingMs, runs };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "20" },
      kills: { type: "string", default: "2" },
      seed: { type: "string", default: "25" },
      "per-class": { type: "string", default: "6" },
      epochs: { type: "string", default: "3" },
    },
  });
  const started = performance.now();
  const { referenceMs, trainingMs, runs } = await runTrainKillTest({
    runs: Number(values.runs),
    kills: Number(values.kills),
    seed: Number(values.seed),
    perClass: Number(values["per-class"]),
    epochs: Number(values.epochs),
    onRun: (line) => process.stdout.write(`${line}\n`),
  });
  const failed = runs.filter((r) => r.problems.length > 0).length;
  const kills = runs.flatMap((r) => r.kills);
  process.stdout.write(
    `uninterrupted run ${Math.round(referenceMs)} ms (training ${Math.round(trainingMs)} ms); ${runs.length} interrupted runs, ${kills.length} kills ` +
      `(${kills.filter((x) => x.signal === "SIGKILL").length} SIGKILL, ${kills.filter((x) => x.at.startsWith("save")).length} of them at a checkpoint save; ` +
      `${kills.filter((x) => x.signal === "SIGTERM").length} SIGTERM), ${runs.reduce((n, r) => n + r.processes, 0)} processes; ${failed} failed; ` +
      `${Math.round((performance.now() - started) / 1000)} s\n`,
  );
  process.exitCode = failed > 0 ? 1 : 0;
}
