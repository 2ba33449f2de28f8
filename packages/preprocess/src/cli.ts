/**
 * Commands of `@fer/preprocess`, as `(argv) => Promise<exitCode>` functions for the single `fer` command
 * (and the package's own `fer-preprocess` bin).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir, cpus } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createClahe } from "./clahe.js";
import { classCounts } from "./dataset-ops.js";
import { equalizeHistInto } from "./equalize-hist.js";
import { FerError } from "./errors.js";
import { findCrossDuplicates, findUnhelpfulImages, type UnhelpfulKind } from "./unhelpful.js";
import { loadFolderDataset } from "./node/folder-dataset.js";
import { sharedDir } from "./node/shared-dir.js";

function fail(err: unknown): number {
  console.error(err instanceof FerError || err instanceof Error ? `error: ${err.message}` : `error: ${String(err)}`);
  return 1;
}

/** Prints `usage` and returns true when argv asks for help. */
function helpRequested(argv: string[], usage: string): boolean {
  if (!argv.includes("--help") && !argv.includes("-h")) return false;
  console.log(usage);
  return true;
}

const UNHELPFUL_USAGE = `usage: fer unhelpful-images [root] [--test <root>] [--list] [--json] [--no-cache]
  Flags training images that cannot help (blank, near-constant, placeholder graphics, duplicates) with the reason.
  root          a <root>/<class>/* folder (default: the shared FER2013 train folder)
  --test ROOT   also list the test images that are exact copies of training images
  --list        print every flagged image (id, reason)
  --json        print everything as JSON`;

const DATASET_INFO_USAGE = `usage: fer dataset-info [root]
  Image count, class counts and unreadable files of a <root>/<class>/* folder (default: FER2013 train), as JSON.`;

const BENCH_USAGE = `usage: fer preprocess-bench [root] [--concurrency N]
  Cold load (decode every image), cached load, equalizeHist and CLAHE throughput (default root: FER2013 train).`;

/**
 * `unhelpful-images [root] [--test <root>] [--list] [--json]`: flags training images that cannot help (blank,
 * near-constant, placeholder graphics, duplicates), prints counts per reason (and, with --test, test images that
 * also appear in the training set). Default root: `<shared>/datasets/fer2013/train`.
 */
export async function unhelpfulImagesCommand(argv: string[]): Promise<number> {
  if (helpRequested(argv, UNHELPFUL_USAGE)) return 0;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { test: { type: "string" }, list: { type: "boolean" }, json: { type: "boolean" }, "no-cache": { type: "boolean" } },
    });
    const root = positionals[0] ?? path.join(sharedDir(), "datasets/fer2013/train");
    const cache = !values["no-cache"];
    const { dataset, problems } = await loadFolderDataset(root, { cache });
    const flagged = findUnhelpfulImages(dataset);
    const cross = values.test ? findCrossDuplicates(dataset, (await loadFolderDataset(values.test, { cache })).dataset) : undefined;
    if (values.json) {
      console.log(JSON.stringify({ root, count: dataset.count, problems: problems.map((p) => p.error.message), flagged, crossDuplicates: cross }, null, 2));
      return 0;
    }
    const byKind = new Map<UnhelpfulKind, number>();
    for (const f of flagged) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
    console.log(`${root}: ${dataset.count} images, ${problems.length} unreadable, ${flagged.length} unhelpful`);
    for (const p of problems) console.log(`  unreadable: ${p.error.message}`);
    for (const [kind, n] of byKind) console.log(`  ${kind}: ${n}`);
    if (cross) console.log(`  test images identical to a training image: ${cross.length}`);
    if (values.list) {
      for (const f of flagged) console.log(`${f.id}\t${f.kind}\t${f.reason}`);
      for (const c of cross ?? []) console.log(`${c.id}\tin-train\tsame pixels as ${c.matchId}`);
    }
    return 0;
  } catch (err) {
    return fail(err);
  }
}

/** `dataset-info <root>`: image count, class counts and load problems of a folder dataset. */
export async function datasetInfoCommand(argv: string[]): Promise<number> {
  if (helpRequested(argv, DATASET_INFO_USAGE)) return 0;
  try {
    const root = argv[0] ?? path.join(sharedDir(), "datasets/fer2013/train");
    const { dataset, problems, fromCache } = await loadFolderDataset(root, {});
    console.log(JSON.stringify({ root, count: dataset.count, size: dataset.size, fromCache, classCounts: classCounts(dataset), problems: problems.map((p) => p.error.message) }, null, 2));
    return 0;
  } catch (err) {
    return fail(err);
  }
}

/** Times a fixed integer loop, to tell a busy (or niced) machine from a slow loader. */
function referenceLoopMs(): number {
  const t = performance.now();
  let x = 0;
  for (let i = 0; i < 3e8; i++) x += i % 7;
  if (x < 0) console.log(x);
  return performance.now() - t;
}

/**
 * `bench [root] [--concurrency N]`: cold load (decode every image, into a fresh temporary cache), cached load,
 * and equalizeHist / CLAHE(4, [4,4]) throughput on the loaded 48x48 images. Default root: FER2013 train.
 */
export async function benchCommand(argv: string[]): Promise<number> {
  if (helpRequested(argv, BENCH_USAGE)) return 0;
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { concurrency: { type: "string" } } });
    const root = positionals[0] ?? path.join(sharedDir(), "datasets/fer2013/train");
    const concurrency = values.concurrency ? Number(values.concurrency) : undefined;
    const cacheDir = await mkdtemp(path.join(tmpdir(), "fer-bench-"));
    try {
      console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
      console.log(`CPU share check: a fixed integer loop took ${referenceLoopMs().toFixed(0)} ms (about 950 ms on an idle core of the reference machine; larger = busy machine or nice)`);
      let t = performance.now();
      const cold = await loadFolderDataset(root, { cache: cacheDir, ...(concurrency ? { concurrency } : {}) });
      const coldS = (performance.now() - t) / 1000;
      console.log(`cold load: ${cold.dataset.count} images (${cold.problems.length} problems) in ${coldS.toFixed(2)} s (${((coldS * 1000) / Math.max(1, cold.dataset.count)).toFixed(2)} ms/image)`);
      t = performance.now();
      const warm = await loadFolderDataset(root, { cache: cacheDir });
      const warmMs = performance.now() - t;
      if (!warm.fromCache) throw new Error("second load did not come from the cache");
      console.log(`cached load: ${warm.dataset.count} images in ${warmMs.toFixed(0)} ms`);
      const ds = warm.dataset;
      const n = ds.size * ds.size;
      const out = new Uint8Array(n);
      const time = (fn: (i: number) => void): number => {
        for (let i = 0; i < Math.min(500, ds.count); i++) fn(i); // warm-up
        const t0 = performance.now();
        for (let i = 0; i < ds.count; i++) fn(i);
        return ds.count / ((performance.now() - t0) / 1000);
      };
      const eq = time((i) => equalizeHistInto(ds.pixels, i * n, n, out, 0));
      console.log(`equalizeHist: ${eq.toFixed(0)} images/s (${ds.size}x${ds.size})`);
      const claheFn = createClahe(ds.size, ds.size, { clipLimit: 4, tileGrid: [4, 4] });
      const cl = time((i) => claheFn(ds.pixels, i * n, out, 0));
      console.log(`CLAHE(4, [4,4]): ${cl.toFixed(0)} images/s (${ds.size}x${ds.size})`);
      console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
    return 0;
  } catch (err) {
    return fail(err);
  }
}

/** The commands this package adds to `fer`, by name. */
export const commands: Record<string, (argv: string[]) => Promise<number>> = {
  "unhelpful-images": unhelpfulImagesCommand,
  "dataset-info": datasetInfoCommand,
  "preprocess-bench": benchCommand,
};
