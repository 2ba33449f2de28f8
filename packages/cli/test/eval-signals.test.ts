import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { fer2013, PHOTOS } from "./helpers.js";
import { fer, ferSignalledWhen, unprivileged } from "./run-fer.js";

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fer-eval-signals-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs `fer eval` and sends `signal` as soon as it reports its first classified image; resolves when it ends. */
function evalKilledAtFirstImage(args: string[], signal: NodeJS.Signals): ReturnType<typeof ferSignalledWhen> {
  // The progress bar's first line (printed at once without a TTY) says one image is done.
  return ferSignalledWhen(["eval", ...args], signal, /eval \[.*\] [1-9]\d*\//);
}

describe("fer eval stopped by a signal", () => {
  it("SIGTERM or SIGINT while it classifies: says how far it got, prints no metrics, writes no report, exits 143/130", { timeout: 240_000 }, async () => {
    const root = path.join(work, "photos");
    await mkdir(path.join(root, "happy"), { recursive: true });
    const photos = Object.values(PHOTOS);
    for (let i = 0; i < 24; i++) await copyFile(photos[i % photos.length]!, path.join(root, "happy", `p${String(i).padStart(2, "0")}${path.extname(photos[i % photos.length]!)}`));
    for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
      const report = path.join(work, `report-${signal}`);
      const r = await evalKilledAtFirstImage([root, "--detect", "--detector", "haar", "--cnn", inject("tinyCnnDir"), "--votes", "none", "--report", report], signal);
      expect(r.sent, r.stderr).toBe(true);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toContain(`fer eval: ${signal}: stopping after the images in flight`);
      const done = /fer eval: stopped by (SIG\w+) after classifying (\d+) of (\d+) images; no metrics and no report/.exec(r.stderr);
      expect(done, r.stderr).not.toBeNull();
      expect(done![1]).toBe(signal);
      expect(Number(done![2])).toBeGreaterThan(0);
      expect(Number(done![2])).toBeLessThan(24);
      expect(done![3]).toBe("24");
      expect(r.stdout).toBe("");
      expect(existsSync(report)).toBe(false);
    }
  });
});

describe("fer eval on a dataset with an unreadable class folder", () => {
  it.skipIf(unprivileged === undefined)("skips that class with a warning naming the folder and the cause, counts it, and scores the rest", { timeout: 240_000 }, async () => {
    // Run as `nobody` when the tests run as root (root reads any folder whatever its mode).
    const root = path.join(work, "locked-dataset");
    for (const cls of ["angry", "happy"]) {
      await mkdir(path.join(root, cls), { recursive: true });
      for (const f of (await readdir(path.join(fer2013("test"), cls))).sort().slice(0, 3)) await copyFile(path.join(fer2013("test"), cls, f), path.join(root, cls, f));
    }
    await chmod(work, 0o755);
    await chmod(path.join(root, "happy"), 0o000);
    const r = await fer(["eval", root, "--votes", "none"], { asUser: unprivileged });
    await chmod(path.join(root, "happy"), 0o755);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`fer eval: skipped ${path.join(root, "happy")}: ${path.join(root, "happy")}: cannot read folder (EACCES; its images are skipped)`);
    expect(r.stdout).toMatch(/^3 images \(1 skipped, listed above\): accuracy /);
  });
});
