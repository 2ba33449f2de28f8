/**
 * The kill test of `fer analyze`: runs it on a small folder with `--jsonl --out`, kills it at random points (SIGKILL
 * and SIGTERM, alternating) and checks what is left: only complete images under their final names, every printed
 * result on disk with its image, results equal to an uninterrupted run's, and after SIGTERM no temporary file.
 *
 * `node dist/bench/kill-test.js [--runs 20] [--seed 25] [--folder DIR] [-- extra fer analyze flags]`
 * (default folder: 8 copies of the example photos; default models). `test/kill.test.ts` runs a short version in CI.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, statSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { seededRandom } from "@fer/preprocess";
import { examplePhotosDir } from "@fer/pipeline";
import { packageDir } from "../paths.js";

/** Options of {@link runKillTest}. */
export interface KillTestOptions {
  /** Interrupted runs (default 20), alternately SIGKILL and SIGTERM. */
  readonly runs?: number;
  readonly seed?: number;
  /** The folder analysed (default: `photos` copies of the example photos in a temporary folder). */
  readonly folder?: string;
  /** Photos in the default folder (default 8). */
  readonly photos?: number;
  /** Extra `fer analyze` flags (e.g. `--detector haar --cnn DIR`). */
  readonly flags?: readonly string[];
  /** Called after each run with its line of the report. */
  readonly onRun?: (line: string) => void;
}

/** One interrupted run. */
export interface KillRun {
  readonly signal: "SIGKILL" | "SIGTERM";
  /** When the signal was sent: milliseconds after the start, or after the first result (`+` prefix in the report). */
  readonly afterMs: number;
  readonly afterFirstResult: boolean;
  /** Exit code, or the signal that ended the process. */
  readonly exit: number | string;
  /** Results printed (JSON lines on disk). */
  readonly results: number;
  /** Annotated images under their final names. */
  readonly images: number;
  /** Hidden temporary files left (possible only after SIGKILL, never under a final name). */
  readonly temporaries: number;
  /** What was wrong; empty when the run passed. */
  readonly problems: string[];
}

interface Line {
  file: string;
  output?: string;
  faces?: unknown[];
  error?: string;
}

/**
 * Runs `fer analyze` with stdout going to a file; resolves when it ends. With `kill`, the signal is sent `afterMs`
 * after the start, or, with `afterFirstResult`, that long after the first result reached the file.
 * `firstResultMs` says when the first result was seen (polled every 10 ms).
 */
function runFer(
  args: readonly string[],
  stdoutFile: string,
  kill?: { signal: NodeJS.Signals; afterMs: number; afterFirstResult: boolean },
): Promise<{ exit: number | string; ms: number; firstResultMs: number | undefined }> {
  const fd = openSync(stdoutFile, "w");
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(packageDir(), "bin", "fer.js"), "analyze", ...args], { stdio: ["ignore", fd, "ignore"] });
  closeSync(fd);
  let firstResultMs: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const send = (): void => {
    timer = setTimeout(() => child.kill(kill!.signal), kill!.afterMs);
  };
  if (kill !== undefined && !kill.afterFirstResult) send();
  const poll = setInterval(() => {
    if (firstResultMs !== undefined) return;
    if (statSync(stdoutFile).size > 0) {
      firstResultMs = performance.now() - started;
      if (kill?.afterFirstResult) send();
    }
  }, 10);
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      clearInterval(poll);
      if (timer !== undefined) clearTimeout(timer);
      resolve({ exit: code ?? signal ?? "unknown", ms: performance.now() - started, firstResultMs });
    });
  });
}

async function readLines(file: string): Promise<{ lines: Line[]; partial: boolean }> {
  const text = await readFile(file, "utf8");
  const parts = text.split("\n");
  const last = parts.pop() ?? "";
  return { lines: parts.filter((l) => l !== "").map((l) => JSON.parse(l) as Line), partial: last !== "" };
}

/** Whether a file decodes completely. */
async function complete(file: string): Promise<boolean> {
  try {
    await sharp(file, { failOn: "truncated" }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the kill test: one uninterrupted reference run (its time sets the range of kill times), then `runs`
 * interrupted ones. Resolves with every run; a run passed when its `problems` are empty.
 */
export async function runKillTest(options: KillTestOptions = {}): Promise<{ referenceMs: number; startupMs: number; runs: KillRun[] }> {
  const rand = seededRandom(options.seed ?? 25);
  const work = await mkdtemp(path.join(tmpdir(), "fer-kill-"));
  try {
    let folder = options.folder;
    if (folder === undefined) {
      folder = path.join(work, "photos");
      await mkdir(folder);
      const photos = (await readdir(examplePhotosDir())).filter((f) => f.endsWith(".jpg")).sort();
      for (let i = 0; i < (options.photos ?? 8); i++) await copyFile(path.join(examplePhotosDir(), photos[i % photos.length]!), path.join(folder, `p${i}.jpg`));
    }
    const flags = options.flags ?? [];
    const refOut = path.join(work, "ref");
    const ref = await runFer([folder, "--jsonl", "--out", refOut, ...flags], path.join(work, "ref.jsonl"));
    const startup = ref.firstResultMs ?? ref.ms;
    const reference = new Map((await readLines(path.join(work, "ref.jsonl"))).lines.map((l) => [l.file, JSON.stringify(l.faces)]));
    if (ref.exit !== 0 || reference.size === 0) throw new Error(`the reference run failed (exit ${ref.exit}, ${reference.size} results)`);
    const runs: KillRun[] = [];
    for (let k = 0; k < (options.runs ?? 20); k++) {
      const signal = k % 2 === 0 ? "SIGKILL" : "SIGTERM";
      // One run in four is killed while fer starts and loads its models; the others while it analyses.
      const afterFirstResult = k % 4 !== 0;
      const afterMs = Math.round(rand() * (afterFirstResult ? ref.ms - startup : startup));
      const out = path.join(work, `out-${k}`);
      const jsonl = path.join(work, `run-${k}.jsonl`);
      const { exit } = await runFer([folder, "--jsonl", "--out", out, ...flags], jsonl, { signal, afterMs, afterFirstResult });
      const problems: string[] = [];
      const { lines, partial } = await readLines(jsonl).catch(() => ({ lines: [] as Line[], partial: false }));
      if (partial) problems.push("a partial JSON line");
      const files = await readdir(out).catch(() => [] as string[]);
      const temporaries = files.filter((f) => f.startsWith(".")).length;
      const images = files.filter((f) => !f.startsWith("."));
      for (const f of images) if (!(await complete(path.join(out, f)))) problems.push(`${f} is incomplete`);
      for (const l of lines) {
        if (l.output === undefined || !images.includes(path.basename(l.output))) problems.push(`the result of ${l.file} has no image on disk`);
        if (JSON.stringify(l.faces) !== reference.get(l.file)) problems.push(`the result of ${l.file} differs from the uninterrupted run`);
      }
      const handled = exit === 143 || exit === 0;
      if (signal === "SIGTERM") {
        // Before fer installs its handler (while Node starts) and after it removed it (all done, models being freed),
        // SIGTERM ends the process at once: then nothing, or everything, was written.
        const outsideHandler = exit === "SIGTERM" && ((lines.length === 0 && images.length === 0) || lines.length === reference.size);
        if (!handled && !outsideHandler) problems.push(`SIGTERM: exit ${exit}`);
        if (temporaries > 0) problems.push(`SIGTERM left ${temporaries} temporary files`);
        if (handled && images.length !== lines.length) problems.push(`SIGTERM: ${images.length} images but ${lines.length} results`);
      }
      const run: KillRun = { signal, afterMs, afterFirstResult, exit, results: lines.length, images: images.length, temporaries, problems };
      runs.push(run);
      options.onRun?.(
        `${String(k + 1).padStart(2)} ${signal.padEnd(7)} ${afterFirstResult ? "at first result +" : "at start +       "}${String(afterMs).padStart(5)} ms: exit ${String(exit).padEnd(7)} ${lines.length} results, ${images.length} images, ` +
          `${temporaries} temporaries ${problems.length === 0 ? "ok" : `FAILED: ${problems.join("; ")}`}`,
      );
    }
    return { referenceMs: ref.ms, startupMs: startup, runs };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { runs: { type: "string", default: "20" }, seed: { type: "string", default: "25" }, folder: { type: "string" } },
  });
  const { referenceMs, startupMs, runs } = await runKillTest({
    runs: Number(values.runs),
    seed: Number(values.seed),
    ...(values.folder !== undefined ? { folder: values.folder } : {}),
    flags: positionals,
    onRun: (line) => process.stdout.write(`${line}\n`),
  });
  const failed = runs.filter((r) => r.problems.length > 0).length;
  process.stdout.write(
    `reference run ${Math.round(referenceMs)} ms (first result at ${Math.round(startupMs)} ms); ${runs.length} interrupted runs, ${failed} failed; ` +
      `${runs.reduce((n, r) => n + r.results, 0)} results and ${runs.reduce((n, r) => n + r.images, 0)} images checked, ` +
      `${runs.reduce((n, r) => n + r.temporaries, 0)} temporaries left (after SIGKILL only)\n`,
  );
  process.exitCode = failed > 0 ? 1 : 0;
}
