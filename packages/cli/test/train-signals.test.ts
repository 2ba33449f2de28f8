import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fer2013 } from "./helpers.js";
import { ferSignalledWhen } from "./run-fer.js";

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fer-train-signals-"));
  const source = fer2013("train");
  for (const cls of (await readdir(source)).sort()) {
    await mkdir(path.join(work, "data", cls), { recursive: true });
    for (const f of (await readdir(path.join(source, cls))).sort().slice(0, 4)) await copyFile(path.join(source, cls, f), path.join(work, "data", cls, f));
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs `fer train` and sends `signal` once its training has started; resolves when the process ends. */
function trainSignalled(args: string[], signal: NodeJS.Signals): ReturnType<typeof ferSignalledWhen> {
  return ferSignalledWhen(["train", ...args], signal, /^training .* on \d+ images/m, { ...process.env, FER_CACHE_DIR: path.join(work, "cache") });
}

describe("fer train stopped by a signal", () => {
  it("SIGTERM, then SIGINT on the resumed run: saves a checkpoint, says paused, exits 143 then 130", { timeout: 240_000 }, async () => {
    const out = path.join(work, "out");
    // Far more epochs than the few seconds before the signal: the run cannot have finished on its own.
    const flags = ["--data", path.join(work, "data"), "--out", out, "--arch", "A", "--epochs", "200", "--batch", "8", "--no-mirror", "--workers", "1"];
    for (const [signal, code, extra] of [["SIGTERM", 143, []], ["SIGINT", 130, ["--resume"]]] as const) {
      const r = await trainSignalled([...flags, ...extra], signal);
      expect(r.sent, r.stderr).toBe(true);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toContain(`${signal}: stopping after this batch; a checkpoint will be saved (resume with --resume)`);
      expect(r.stdout).toContain("paused (continue with --resume)");
      expect(existsSync(path.join(out, "checkpoint", "manifest.json"))).toBe(true);
    }
  });
});
