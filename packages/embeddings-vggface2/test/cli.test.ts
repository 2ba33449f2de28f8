import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { embed } from "../src/cli.js";
import { sharedDir } from "@fer/preprocess/node";

const dir = mkdtempSync(path.join(tmpdir(), "fer-embed-cli-"));
const data = path.join(dir, "faces");

beforeAll(() => {
  // a tiny labelled folder: the first two FER2013 test faces of three classes
  const src = path.join(sharedDir(), "datasets/fer2013/test");
  for (const cls of ["angry", "happy", "surprise"]) {
    mkdirSync(path.join(data, cls), { recursive: true });
    for (const f of readdirSync(path.join(src, cls)).sort().slice(0, 2)) copyFileSync(path.join(src, cls, f), path.join(data, cls, f));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("fer embed", () => {
  it("writes a @fer/heads features file for a labelled folder, with the featuriser that computed it", async () => {
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const code = await embed(["--data", data, "--out", path.join(dir, "feat"), "--layer", "pool", "--no-cache", "--batch", "4"]);
      expect(code).toBe(0);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const header = JSON.parse(readFileSync(path.join(dir, "feat.json"), "utf8")) as Record<string, unknown>;
    expect(header).toMatchObject({ format: "fer-features", version: 1, count: 6, dim: 256, dtype: "float32", classes: ["angry", "happy", "surprise"] });
    expect(header.labels).toEqual([0, 0, 1, 1, 2, 2]);
    // The featuriser is recorded (a head fitted on these features refuses another model's), as `fer features` does.
    expect(header.featuriser).toEqual({ name: "faceapi-resnet34", layer: "pool" });
    const bin = readFileSync(path.join(dir, "feat.bin"));
    expect(bin.byteLength).toBe(6 * 256 * 4);
    const v = new Float32Array(bin.buffer, bin.byteOffset, 6 * 256);
    expect(v.every(Number.isFinite)).toBe(true);
  });

  it("returns 2 with a usage message for missing arguments and 1 for a missing VGGFace2 weights file", async () => {
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await embed(["--out", "x"])).toBe(2);
      expect(String(err.mock.calls.map((c) => c[0]).join(""))).toMatch(/--data and --out are required/);
      err.mockClear();
      expect(await embed(["--data", data, "--out", path.join(dir, "v"), "--backbone", "vggface2-resnet50", "--no-cache"])).toBe(1);
      expect(String(err.mock.calls.map((c) => c[0]).join(""))).toMatch(/no VGGFace2 weights file given/);
    } finally {
      err.mockRestore();
    }
  });
});
