import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { ferSlice } from "./helpers.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Folder of a tiny CNN (architecture A, 1 epoch on 56 FER2013 train images) trained once for all tests. */
    tinyCnnDir: string;
  }
}

let work: string | undefined;

/** Trains one tiny CNN for every test file (about 10-20 s), so tests never depend on the shipped model. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { initBackend } = await import("@fer/runtime");
  await initBackend();
  const { trainCnn } = await import("@fer/cnn/train");
  work = await mkdtemp(path.join(tmpdir(), "fer-pipeline-test-"));
  const data = await ferSlice("train", 8);
  const result = await trainCnn(data, { architecture: "A", outDir: path.join(work, "tiny"), epochs: 1, batchSize: 32, mirror: false, progress: false, seed: 3 });
  project.provide("tinyCnnDir", result.bestDir);
  return async () => {
    if (work) await rm(work, { recursive: true, force: true });
  };
}
