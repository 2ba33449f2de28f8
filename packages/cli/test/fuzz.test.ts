/**
 * The reliability fuzz suite: a deterministic corpus of good, odd and hostile files (src/bench/fuzz-corpus.ts) read
 * by the decoder, by `analyzeBatch` and by `fer analyze --jsonl --out <the corpus folder itself>`. Every case must give
 * its expected outcome (an image, or a typed error of the expected kind naming the file), quickly, and the command must
 * leave every input as it was. `FER_FUZZ_TABLE=1` prints the table of cases and outcomes (the pipeline README's).
 */
import { createHash } from "node:crypto";
import { lstat, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FerImageError } from "@fer/preprocess";
import { decodeImage } from "@fer/preprocess/node";
import { generateFuzzCorpus, uprightCard, type FuzzCase } from "../src/bench/fuzz-corpus.js";
import { createPipeline, type Pipeline } from "@fer/pipeline";
import { fer } from "./run-fer.js";

let dir: string;
let cases: FuzzCase[];
let pipeline: Pipeline;
const observed = new Map<string, { decode?: string; batch?: string; cli?: string; ms?: number }>();
const note = (name: string, what: "decode" | "batch" | "cli", outcome: string): void => {
  observed.set(name, { ...observed.get(name), [what]: outcome });
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "fer-fuzz-"));
  cases = await generateFuzzCorpus(dir);
  pipeline = await createPipeline({ cnn: inject("tinyCnnDir"), detector: "haar" });
});
afterAll(async () => {
  pipeline?.dispose();
  if (process.env.FER_FUZZ_TABLE) {
    const rows = cases.map((c) => {
      const o = observed.get(c.name) ?? {};
      return `| \`${c.name}\` | ${c.what} | ${c.expect} | ${o.decode ?? ""} (${o.ms ?? "?"} ms) | ${o.batch ?? ""} | ${o.cli ?? ""} |`;
    });
    process.stdout.write(["| file | what | expected | decodeImage | analyzeBatch | fer analyze --jsonl |", "|---|---|---|---|---|---|", ...rows, ""].join("\n"));
  }
  await rm(dir, { recursive: true, force: true });
});

/** Whether an outcome (`ok` or an error kind) is what the case expects. */
function matches(expectKind: FuzzCase["expect"], outcome: string): boolean {
  return expectKind === "ok-or-truncated" ? outcome === "ok" || outcome === "truncated" : outcome === expectKind;
}

/** The mean colour of each quadrant of an RGB image (top-left, top-right, bottom-left, bottom-right). */
function quadrants(img: { width: number; height: number; channels: number; data: Uint8Array }): number[][] {
  const out: number[][] = [];
  for (const [qy, qx] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ] as const) {
    const sum = [0, 0, 0];
    let n = 0;
    for (let y = (qy * img.height) / 2 + 2; y < ((qy + 1) * img.height) / 2 - 2; y++) {
      for (let x = (qx * img.width) / 2 + 2; x < ((qx + 1) * img.width) / 2 - 2; x++) {
        for (let c = 0; c < 3; c++) sum[c]! += img.data[(y * img.width + x) * img.channels + c]!;
        n++;
      }
    }
    out.push(sum.map((s) => Math.round(s / n)));
  }
  return out;
}

describe("fuzz corpus", () => {
  it("decodeImage gives every case its expected outcome: an image or a typed error naming the file, in under 2 s", async () => {
    for (const c of cases) {
      const file = path.join(dir, c.name);
      const started = performance.now();
      const outcome = await decodeImage(file).then(
        (img) => ({ kind: "ok", img }),
        (e: unknown) => {
          expect(e, c.name).toBeInstanceOf(FerImageError);
          expect((e as FerImageError).file, c.name).toBe(file);
          expect((e as Error).message.startsWith(`${file}: `), c.name).toBe(true);
          return { kind: (e as FerImageError).kind, img: undefined };
        },
      );
      const ms = Math.round(performance.now() - started);
      note(c.name, "decode", outcome.kind);
      observed.set(c.name, { ...observed.get(c.name), ms });
      expect(matches(c.expect, outcome.kind), `${c.name}: expected ${c.expect}, got ${outcome.kind}`).toBe(true);
      expect(ms, c.name).toBeLessThan(2000);
      if (c.orientation !== undefined) {
        const img = outcome.img!;
        expect([img.width, img.height], c.name).toEqual([24, 16]);
        const got = quadrants(img);
        const want = quadrants(uprightCard());
        got.forEach((q, i) => q.forEach((v, k) => expect(Math.abs(v - want[i]![k]!), `${c.name} quadrant ${i}`).toBeLessThan(40)));
      }
    }
  });

  it("analyzeBatch on the corpus folder gives one item per file in order, each a result or its typed error", async () => {
    const items = await pipeline.analyzeBatch([dir]);
    expect(items.map((i) => path.relative(dir, i.file))).toEqual(cases.map((c) => c.name));
    items.forEach((item, k) => {
      const c = cases[k]!;
      const kind = item.error === undefined ? "ok" : ((item.error as FerImageError).kind ?? item.error.name);
      note(c.name, "batch", kind);
      expect(matches(c.expect, kind), `${c.name}: expected ${c.expect}, got ${kind} (${item.error?.message})`).toBe(true);
      if (item.result !== undefined) expect(item.result.width).toBeGreaterThan(0);
    });
  });

  it("fer analyze --jsonl --out <the corpus folder> writes a line per file, changes no input, and leaves only complete images", async () => {
    const hashes = new Map<string, string>();
    for (const c of cases) {
      if ((await lstat(path.join(dir, c.name))).isFile()) hashes.set(c.name, createHash("sha256").update(await readFile(path.join(dir, c.name))).digest("hex"));
    }
    const before = new Set([...(await readdir(dir)), ...(await readdir(path.join(dir, "twin"))).map((f) => `twin/${f}`)]);
    const r = await fer(["analyze", dir, "--jsonl", "--out", dir, "--cnn", inject("tinyCnnDir"), "--detector", "haar"]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { file: string; error?: string; output?: string; faces?: unknown[] });
    expect(lines.map((l) => path.relative(dir, l.file))).toEqual(cases.map((c) => c.name));
    lines.forEach((l, k) => {
      const c = cases[k]!;
      note(c.name, "cli", l.error === undefined ? `ok -> ${path.basename(l.output ?? "")}` : "error");
      if (c.expect === "ok") expect(l.output, c.name).toBeDefined();
      else if (c.expect !== "ok-or-truncated") expect(l.error, c.name).toMatch(new RegExp(`^${path.join(dir, c.name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
    });
    for (const [name, hash] of hashes) expect(createHash("sha256").update(await readFile(path.join(dir, name))).digest("hex"), name).toBe(hash);
    // New files are exactly the outputs, each a complete image; two inputs named good-photo.jpg got two outputs.
    const written = lines.flatMap((l) => (l.output === undefined ? [] : [path.basename(l.output)]));
    expect(new Set(written).size).toBe(written.length);
    expect(written).toEqual(expect.arrayContaining(["good-photo.png", "good-photo-2.png", "good-2.png", "vector-2.png"]));
    const after = await readdir(dir);
    expect(after.filter((f) => !before.has(f)).sort()).toEqual([...written].sort());
    for (const f of written) await sharp(path.join(dir, f), { failOn: "truncated" }).raw().toBuffer();
  });
});
