import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createPipeline, PipelineError, type Pipeline } from "../src/index.js";
import { PHOTOS } from "./helpers.js";

// A sub-folder named "locked" cannot be listed (EACCES), whoever runs the tests (root reads any folder).
vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  const readdir = (async (dir: string, options?: unknown) => {
    if (path.basename(String(dir)) === "locked") throw Object.assign(new Error(`EACCES: permission denied, scandir '${String(dir)}'`), { code: "EACCES" });
    return fs.readdir(dir, options as never);
  }) as typeof fs.readdir;
  return { ...fs, readdir, default: { ...fs, readdir } };
});

let work: string;
let pipeline: Pipeline;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fer-batch-errors-"));
  pipeline = await createPipeline({ cnn: inject("tinyCnnDir"), detector: "haar" });
});
afterAll(async () => {
  pipeline?.dispose();
  await rm(work, { recursive: true, force: true });
});

describe("analyzeBatch", () => {
  it("reports a sub-folder that cannot be listed like an unreadable file, and goes on", async () => {
    await mkdir(path.join(work, "tree", "locked"), { recursive: true });
    await copyFile(PHOTOS.apollo, path.join(work, "tree", "a.jpg"));
    await copyFile(PHOTOS.obama, path.join(work, "tree", "z.jpg"));
    const items = await pipeline.analyzeBatch([path.join(work, "tree")]);
    expect(items.map((i) => path.basename(i.file))).toEqual(["a.jpg", "locked", "z.jpg"]);
    expect(items[1]!.error?.message).toBe(`${path.join(work, "tree", "locked")}: cannot read folder (EACCES)`);
    expect(items[0]!.result?.faces.length).toBeGreaterThan(0);
    expect(items[2]!.result?.faces.length).toBeGreaterThan(0);
  });
});

describe("bad Image objects", () => {
  it("throw a typed PipelineError (bad-input) saying what is wrong, not a plain RangeError", async () => {
    const cases: unknown[] = [
      { width: 0, height: 5, channels: 3, data: new Uint8Array(0) },
      { width: 2, height: 2, channels: 2, data: new Uint8Array(8) },
      { width: 2, height: 2, channels: 3, data: new Uint8Array(5) },
      { width: 2.5, height: 2, channels: 1, data: new Uint8Array(5) },
      { width: 2, height: 2, channels: 1, data: [1, 2, 3, 4] },
    ];
    for (const bad of cases) {
      const e = await pipeline.analyze(bad as never).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(PipelineError);
      expect((e as PipelineError).kind).toBe("bad-input");
      expect((e as PipelineError).message).toMatch(/^<image>: .+: pass an Image \{width, height, channels: 1 \| 3 \| 4/);
      const direct = await pipeline.analyzeImage(bad as never, "upload-7").catch((err: unknown) => err);
      expect((direct as PipelineError).kind).toBe("bad-input");
      expect((direct as PipelineError).message).toMatch(/^upload-7: /);
    }
    const [item] = await pipeline.analyzeBatch([cases[1] as never]);
    expect(item!.error).toBeInstanceOf(PipelineError);
  });
});
