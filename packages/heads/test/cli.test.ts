import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { fitHead, gridSearch } from "../src/cli.js";
import { loadHead, writeFeatures } from "../src/node/index.js";
import { separableSlice } from "./helpers.js";

let dir: string;
let out = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "fer-heads-cli-"));
  const { train, test } = await separableSlice();
  await writeFeatures(path.join(dir, "train.json"), train);
  await writeFeatures(path.join(dir, "test.json"), test);
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe("fer fit-head", () => {
  it("fits a head on a features file, saves it and reports test accuracy", async () => {
    out = "";
    const file = path.join(dir, "knn.json");
    const code = await fitHead(["--features", path.join(dir, "train.json"), "--kind", "knn", "--param", "k=15", "--param", "weights=distance", "--out", file, "--test", path.join(dir, "test.json")]);
    expect(code).toBe(0);
    expect(out).toMatch(/test accuracy \d+\.\d+% on 300/);
    const head = await loadHead(file);
    expect(head.params).toMatchObject({ k: 15, weights: "distance" });
  });

  it("returns 2 with usage for bad arguments and 1 for bad data", async () => {
    out = "";
    expect(await fitHead(["--kind", "knn"])).toBe(2);
    expect(out).toMatch(/--features is required/);
    expect(await fitHead(["--features", "x.json", "--kind", "tree", "--out", "y.json"])).toBe(2);
    expect(await fitHead(["--bogus"])).toBe(2);
    out = "";
    expect(await fitHead(["--features", path.join(dir, "missing.json"), "--kind", "knn", "--out", path.join(dir, "o.json")])).toBe(1);
    expect(out).toMatch(/bad-format/);
    expect(await fitHead(["--features", path.join(dir, "train.json"), "--kind", "knn", "--param", "k=-3", "--out", path.join(dir, "o.json")])).toBe(1);
  });
});

describe("fer grid-search", () => {
  it("prints the results table and best parameters and writes them as JSON", async () => {
    out = "";
    const json = path.join(dir, "grid.json");
    const code = await gridSearch(["--features", path.join(dir, "train.json"), "--kind", "knn", "--grid", '{"k":[3,25]}', "--folds", "3", "--out", json]);
    expect(code).toBe(0);
    expect(out).toMatch(/rank\s+accuracy/);
    expect(out).toMatch(/best \(\d+\.\d+% mean 3-fold accuracy\): \{"k":\d+\}/);
    const saved = JSON.parse(await readFile(json, "utf8")) as { rows: unknown[]; bestParams: Record<string, unknown> };
    expect(saved.rows).toHaveLength(2);
  });
});
