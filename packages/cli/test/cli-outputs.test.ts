import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { fer2013, PHOTOS } from "./helpers.js";
import { fer, ferBin, mountTinyDisk, unprivileged } from "./run-fer.js";

let work: string;
const sha = async (file: string): Promise<string> => createHash("sha256").update(await readFile(file)).digest("hex");

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fer-cli-outputs-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** `fer analyze` with the tiny test CNN and the Haar detector (fast to load). */
const analyze = (args: string[]) => fer(["analyze", ...args, "--cnn", inject("tinyCnnDir"), "--detector", "haar"]);

/** Whether every file in `dir` decodes completely (no truncated image). */
async function allComplete(dir: string): Promise<void> {
  for (const f of await readdir(dir)) {
    const st = await lstat(path.join(dir, f));
    if (!st.isFile()) continue;
    await sharp(path.join(dir, f), { failOn: "truncated" }).raw().toBuffer();
  }
}

describe("fer analyze --out never loses work", () => {
  it("never writes over an input: --out being the input folder gives the annotated copies other names, and says so", async () => {
    const dir = path.join(work, "same");
    await mkdir(dir);
    await copyFile(PHOTOS.apollo, path.join(dir, "apollo11_crew.jpg"));
    await copyFile(PHOTOS.obama, path.join(dir, "obama_family_2011.jpg"));
    const before = [await sha(path.join(dir, "apollo11_crew.jpg")), await sha(path.join(dir, "obama_family_2011.jpg"))];
    const r = await analyze([dir, "--out", dir, "--format", "jpeg", "--json"]);
    expect(r.code).toBe(0);
    expect([await sha(path.join(dir, "apollo11_crew.jpg")), await sha(path.join(dir, "obama_family_2011.jpg"))]).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual(["apollo11_crew-2.jpg", "apollo11_crew.jpg", "obama_family_2011-2.jpg", "obama_family_2011.jpg"]);
    expect(r.stderr).toContain(`${path.join(dir, "apollo11_crew.jpg")} is an input: the annotated image is ${path.join(dir, "apollo11_crew-2.jpg")}`);
    const entries = JSON.parse(r.stdout) as Array<{ file: string; output: string; faces: unknown[] }>;
    expect(entries.map((e) => e.output)).toEqual([path.join(dir, "apollo11_crew-2.jpg"), path.join(dir, "obama_family_2011-2.jpg")]);
    // The second image was read before anything was written next to it: it is still the Obama photo (4 faces).
    expect(entries[1]!.faces).toHaveLength(4);
  });

  it("gives two inputs with the same name distinct outputs", async () => {
    for (const sub of ["a", "b"]) {
      await mkdir(path.join(work, "twins", sub), { recursive: true });
      await copyFile(sub === "a" ? PHOTOS.apollo : PHOTOS.obama, path.join(work, "twins", sub, "photo.jpg"));
    }
    const out = path.join(work, "twins-out");
    const r = await analyze([path.join(work, "twins"), "--out", out, "--json"]);
    expect(r.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(["photo-2.png", "photo.png"]);
    expect((await sharp(path.join(out, "photo-2.png")).metadata()).width).toBe(640); // b/photo.jpg is the Obama photo
    expect(r.stderr).toContain(`${path.join(out, "photo.png")} is taken by the output of ${path.join(work, "twins", "a", "photo.jpg")}`);
  });

  it("replaces a symlink already in --out instead of writing through it", async () => {
    const outside = path.join(work, "precious.txt");
    await writeFile(outside, "outside --out");
    const out = path.join(work, "linked-out");
    await mkdir(out);
    await symlink(outside, path.join(out, "apollo11_crew.png"));
    const r = await analyze([PHOTOS.apollo, "--out", out]);
    expect(r.code).toBe(0);
    expect(await readFile(outside, "utf8")).toBe("outside --out");
    expect((await lstat(path.join(out, "apollo11_crew.png"))).isFile()).toBe(true);
    await allComplete(out);
    expect(await readdir(out)).toEqual(["apollo11_crew.png"]); // no temporary file left
  });

  it("refuses an existing file as --out before any work, with a clear message", async () => {
    const file = path.join(work, "not-a-folder.png");
    await writeFile(file, "x");
    const r = await analyze([PHOTOS.apollo, "--out", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${file} is a file, not a folder: give a folder (it is created if missing)`);
    expect(await readFile(file, "utf8")).toBe("x");
  });

  it("reports an --out folder that cannot be created once, still prints the JSON and exits 1", async () => {
    const file = path.join(work, "plain-file");
    await writeFile(file, "x");
    const out = path.join(file, "sub");
    const r = await analyze([PHOTOS.apollo, PHOTOS.obama, "--out", out, "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr.match(/cannot create --out/g)).toHaveLength(1);
    expect(r.stderr).toContain(`cannot create --out ${out} (ENOTDIR)`);
    const entries = JSON.parse(r.stdout) as Array<{ faces: unknown[]; outputError: string }>;
    expect(entries.every((e) => e.faces.length > 0)).toBe(true); // the analysis went on
    expect(entries[0]!.outputError).toMatch(/ENOTDIR/);
  });

  it.skipIf(unprivileged === undefined)("reports each failed write (read-only --out), goes on, still prints the JSON and exits 1", async () => {
    const dir = path.join(work, "ro");
    await mkdir(path.join(dir, "out"), { recursive: true });
    await copyFile(PHOTOS.apollo, path.join(dir, "a.jpg"));
    await copyFile(PHOTOS.obama, path.join(dir, "b.jpg"));
    await chmod(work, 0o755);
    await chmod(dir, 0o755);
    await chmod(path.join(dir, "out"), 0o555);
    // The default models (readable by any user), not the test CNN in a private temporary folder.
    const r = await fer(["analyze", path.join(dir, "a.jpg"), path.join(dir, "b.jpg"), "--out", path.join(dir, "out"), "--json", "--detector", "haar"], { asUser: unprivileged });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot write ${path.join(dir, "out", "a.png")} (EACCES)`);
    expect(r.stderr).toContain(`cannot write ${path.join(dir, "out", "b.png")} (EACCES)`);
    const entries = JSON.parse(r.stdout) as Array<{ faces: unknown[]; outputError?: string }>;
    expect(entries.every((e) => e.faces.length > 0)).toBe(true);
    expect(entries.every((e) => e.outputError !== undefined)).toBe(true);
    expect(await readdir(path.join(dir, "out"))).toEqual([]);
  });
});

describe("a full disk", () => {
  // A 300 KB tmpfs: no annotated photo fits. Runs where tmpfs can be mounted (root in a container); skipped elsewhere.
  const disk = path.join(tmpdir(), `fer-full-disk-${process.pid}`);
  let unmount: (() => void) | undefined;
  beforeAll(async () => {
    await mkdir(disk, { recursive: true });
    unmount = mountTinyDisk(disk, "300k");
  });
  afterAll(async () => {
    unmount?.();
    await rm(disk, { recursive: true, force: true });
  });

  it("fer analyze: each failed write reported, no partial file, JSON printed, exit 1; fer eval: metrics printed before the failed report", async (ctx) => {
    if (unmount === undefined) ctx.skip();
    const r = await analyze([PHOTOS.apollo, PHOTOS.obama, "--out", disk, "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot write ${path.join(disk, "apollo11_crew.png")} (ENOSPC)`);
    const entries = JSON.parse(r.stdout) as Array<{ faces: unknown[]; outputError?: string }>;
    expect(entries.map((e) => e.outputError !== undefined && e.faces.length > 0)).toEqual([true, true]);
    expect(await readdir(disk)).toEqual([]);
    const root = path.join(work, "eval-full-disk");
    await mkdir(path.join(root, "happy"), { recursive: true });
    for (const f of (await readdir(path.join(fer2013("test"), "happy"))).sort().slice(0, 3)) await copyFile(path.join(fer2013("test"), "happy", f), path.join(root, "happy", f));
    await writeFile(path.join(disk, "filler"), Buffer.alloc(290 * 1024)).catch(() => undefined);
    const e = await fer(["eval", root, "--cnn", inject("tinyCnnDir"), "--json", "--report", path.join(disk, "report")]);
    expect(e.code).toBe(1);
    expect((JSON.parse(e.stdout) as { images: number }).images).toBe(3);
    expect(e.stderr).toContain(`cannot write the report into ${path.join(disk, "report")} (ENOSPC)`);
    expect(await readdir(path.join(disk, "report"))).toEqual([]);
  });
});

describe("fer analyze --jsonl and interruptions", () => {
  it("--jsonl prints one JSON result per line, each written after its annotated image", async () => {
    const out = path.join(work, "jsonl-out");
    const r = await analyze([PHOTOS.apollo, path.join(work, "missing.jpg"), PHOTOS.obama, "--jsonl", "--out", out]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { file: string; output?: string; error?: string });
    expect(lines.map((l) => path.basename(l.file))).toEqual(["apollo11_crew.jpg", "missing.jpg", "obama_family_2011.jpg"]);
    expect(lines[1]!.error).toMatch(/cannot read file \(ENOENT\)/);
    expect(lines[2]!.output).toBe(path.join(out, "obama_family_2011.png"));
    expect((await fer(["analyze", PHOTOS.apollo, "--json", "--jsonl"])).code).toBe(2);
  });

  it("on SIGTERM stops taking inputs, finishes the ones in flight, flushes and exits 143", async () => {
    const dir = path.join(work, "many");
    await mkdir(dir);
    for (let i = 0; i < 30; i++) await copyFile(i % 2 ? PHOTOS.apollo : PHOTOS.obama, path.join(dir, `p${String(i).padStart(2, "0")}.jpg`));
    const out = path.join(work, "many-out");
    const child = spawn(process.execPath, [ferBin, "analyze", dir, "--jsonl", "--out", out, "--cnn", inject("tinyCnnDir"), "--detector", "haar"]);
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on("data", (d: Buffer) => {
        const first = stdout === "";
        stdout += d.toString();
        if (first) child.kill("SIGTERM");
      });
      child.on("close", (c) => resolve(c));
    });
    expect(code).toBe(143);
    expect(stderr).toMatch(/stopped by SIGTERM after \d+ of 30 images/);
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as { output: string });
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThan(30);
    // Exactly the reported images are on disk, complete; nothing half-written, no temporary file.
    expect((await readdir(out)).sort()).toEqual(lines.map((l) => path.basename(l.output)).sort());
    await allComplete(out);
  });
});

describe("fer analyze on hostile inputs", () => {
  it("reports a FIFO named .jpg in a folder and /dev/zero instead of hanging, and goes on", async () => {
    const dir = path.join(work, "fifo");
    await mkdir(dir);
    await copyFile(PHOTOS.apollo, path.join(dir, "a.jpg"));
    execFileSync("mkfifo", [path.join(dir, "b.jpg")]);
    const r = await analyze([dir, "/dev/zero", "--json"]);
    expect(r.code).toBe(1);
    const entries = JSON.parse(r.stdout) as Array<{ file: string; error?: string; faces?: unknown[] }>;
    expect(entries.map((e) => path.basename(e.file))).toEqual(["a.jpg", "b.jpg", "zero"]);
    expect(entries[0]!.faces).toBeDefined();
    expect(entries[1]!.error).toMatch(/not a regular file \(a FIFO/);
    expect(entries[2]!.error).toMatch(/\/dev\/zero: not a regular file \(a character device/);
  });

  it.skipIf(unprivileged === undefined)("reports an unreadable sub-folder like an unreadable file and goes on", async () => {
    const dir = path.join(work, "locked-tree");
    await mkdir(path.join(dir, "locked"), { recursive: true });
    await copyFile(PHOTOS.apollo, path.join(dir, "a.jpg"));
    await copyFile(PHOTOS.obama, path.join(dir, "locked", "b.jpg"));
    await copyFile(PHOTOS.obama, path.join(dir, "z.jpg"));
    await chmod(work, 0o755);
    await chmod(path.join(dir, "locked"), 0o000);
    const r = await fer(["analyze", dir, "--json", "--detector", "haar"], { asUser: unprivileged });
    await chmod(path.join(dir, "locked"), 0o755);
    expect(r.code).toBe(1);
    const entries = JSON.parse(r.stdout) as Array<{ file: string; error?: string }>;
    expect(entries.map((e) => path.basename(e.file))).toEqual(["a.jpg", "locked", "z.jpg"]);
    expect(entries[1]!.error).toBe(`${path.join(dir, "locked")}: cannot read folder (EACCES)`);
  });
});

describe("fer eval", () => {
  it("is an error when it scored nothing", async () => {
    const root = path.join(work, "all-bad");
    await mkdir(path.join(root, "happy"), { recursive: true });
    await writeFile(path.join(root, "happy", "a.jpg"), "not a jpeg");
    await writeFile(path.join(root, "happy", "b.png"), "");
    const r = await fer(["eval", root, "--cnn", inject("tinyCnnDir"), "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${root}: no images found (none of its 2 images could be scored`);
  });

  it("prints the metrics even when the report cannot be written, and exits 1", async () => {
    const root = path.join(work, "eval-slice");
    await mkdir(path.join(root, "happy"), { recursive: true });
    for (const f of (await readdir(path.join(fer2013("test"), "happy"))).sort().slice(0, 3)) {
      await copyFile(path.join(fer2013("test"), "happy", f), path.join(root, "happy", f));
    }
    const file = path.join(work, "report-file");
    await writeFile(file, "x");
    const r = await fer(["eval", root, "--cnn", inject("tinyCnnDir"), "--json", "--report", path.join(file, "report")]);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { images: number }).images).toBe(3);
    expect(r.stderr).toMatch(/cannot write the report into .*report-file\/report \(ENOTDIR\)/);
  });
});
