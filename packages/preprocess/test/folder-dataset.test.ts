import { copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classCounts, FerDatasetError, FerImageError, loadFolderDataset, toGray, decodeImage, resize, EMOTIONS } from "../src/node/index.js";
import { ferFiles, ferTest } from "./helpers.js";

let tmp: string;
let root: string;
let cacheDir: string;
const real = ferFiles(ferTest, 3);
const angry = real.filter((f) => f.includes("/angry/"));
const happy = real.filter((f) => f.includes("/happy/")).slice(0, 2);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "fer-folder-"));
  root = path.join(tmp, "data");
  cacheDir = path.join(tmp, "cache");
  // Created in non-canonical order on purpose.
  await mkdir(path.join(root, "happy"), { recursive: true });
  await mkdir(path.join(root, "angry"), { recursive: true });
  for (const f of angry) await copyFile(f, path.join(root, "angry", path.basename(f)));
  for (const f of happy) await copyFile(f, path.join(root, "happy", path.basename(f)));
  const good = await readFile(angry[0]!);
  await writeFile(path.join(root, "angry", "empty.jpg"), new Uint8Array(0));
  await writeFile(path.join(root, "angry", "text.png"), "not a png");
  await writeFile(path.join(root, "angry", "truncated.jpg"), good.subarray(0, 300));
  await writeFile(path.join(root, "angry", "notes.txt"), "hello");
  await writeFile(path.join(root, "angry", ".DS_Store"), "ignored");
  // A 60x60 colour PNG: converted to gray and area-resized to 48x48.
  await sharp({ create: { width: 60, height: 60, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toFile(path.join(root, "happy", "zz-colour.png"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("loadFolderDataset", () => {
  it("loads classes in canonical order, reports bad files and goes on", async () => {
    const progress: number[] = [];
    const { dataset, problems, fromCache } = await loadFolderDataset(root, { cache: false, onProgress: (d) => progress.push(d) });
    expect(fromCache).toBe(false);
    expect(dataset.classes).toEqual(["angry", "happy"]);
    expect(dataset.count).toBe(angry.length + happy.length + 1);
    expect(dataset.ids.slice(0, angry.length)).toEqual(angry.map((f) => `angry/${path.basename(f)}`).sort());
    expect(dataset.ids.at(-1)).toBe("happy/zz-colour.png");
    expect(classCounts(dataset)).toEqual({ angry: angry.length, happy: happy.length + 1 });
    expect(progress.at(-1)).toBe(angry.length + happy.length + 1 + 3);
    const kinds = Object.fromEntries(problems.map((p) => [path.basename(p.file), (p.error as FerImageError).kind]));
    expect(kinds).toEqual({ "notes.txt": "not-an-image", "empty.jpg": "empty-file", "text.png": "not-an-image", "truncated.jpg": "truncated" });
    for (const p of problems) {
      expect(p.error).toBeInstanceOf(FerImageError);
      expect(p.error.message).toContain(p.file);
    }
    // Pixels are the decoded gray faces.
    const first = toGray(await decodeImage(path.join(root, dataset.ids[0]!)));
    expect(Array.from(dataset.pixels.subarray(0, 2304))).toEqual(Array.from(first.data));
    const colour = resize(toGray(await decodeImage(path.join(root, "happy/zz-colour.png"))), 48, 48);
    expect(Array.from(dataset.pixels.subarray((dataset.count - 1) * 2304))).toEqual(Array.from(colour.data));
  });

  it("perClass reads only the first images of each class, and keeps its own cache beside the whole folder's", async () => {
    const sliceCache = path.join(tmp, "cache-slice");
    const whole = await loadFolderDataset(root, { cache: sliceCache });
    const progress: number[] = [];
    const { dataset, fromCache } = await loadFolderDataset(root, { cache: sliceCache, perClass: 2, onProgress: (d, total) => progress.push(total) });
    expect(fromCache).toBe(false);
    expect(progress.at(-1)).toBe(4); // 2 files of each class decoded, not the 10 of the folder
    const firstTwo = (cls: string) => whole.dataset.ids.filter((id) => id.startsWith(`${cls}/`)).slice(0, 2);
    expect(dataset.ids).toEqual([...firstTwo("angry"), ...firstTwo("happy")]);
    expect(Array.from(dataset.pixels.subarray(0, 2304))).toEqual(Array.from(whole.dataset.pixels.subarray(0, 2304)));
    expect((await loadFolderDataset(root, { cache: sliceCache })).fromCache).toBe(true);
    expect((await loadFolderDataset(root, { cache: sliceCache, perClass: 2 })).fromCache).toBe(true);
    await expect(loadFolderDataset(root, { perClass: 0 })).rejects.toThrow(RangeError);
  });

  it("caches: a second load comes from the cache and is identical; a change in the folder invalidates it", async () => {
    const a = await loadFolderDataset(root, { cache: cacheDir });
    expect(a.fromCache).toBe(false);
    expect(a.cacheFile?.startsWith(cacheDir)).toBe(true);
    const b = await loadFolderDataset(root, { cache: cacheDir });
    expect(b.fromCache).toBe(true);
    expect(b.dataset.ids).toEqual(a.dataset.ids);
    expect(Array.from(b.dataset.labels)).toEqual(Array.from(a.dataset.labels));
    expect(Buffer.compare(Buffer.from(b.dataset.pixels), Buffer.from(a.dataset.pixels))).toBe(0);
    expect(b.problems.map((p) => [p.file, p.error.kind, p.error.message])).toEqual(a.problems.map((p) => [p.file, p.error.kind, p.error.message]));
    expect(b.problems[0]!.error).toBeInstanceOf(FerImageError);
    // Touch one file: new mtime -> new key -> fresh load.
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(root, "happy", "zz-colour.png"), later, later);
    expect((await loadFolderDataset(root, { cache: cacheDir })).fromCache).toBe(false);
    expect((await loadFolderDataset(root, { cache: cacheDir })).fromCache).toBe(true);
    // Add a file: fresh load that includes it.
    await copyFile(angry[0]!, path.join(root, "happy", "copy.jpg"));
    const c = await loadFolderDataset(root, { cache: cacheDir });
    expect(c.fromCache).toBe(false);
    expect(c.dataset.count).toBe(a.dataset.count + 1);
    await rm(path.join(root, "happy", "copy.jpg"));
  });

  it("rejects an unknown class folder, a missing root and a root without classes", async () => {
    const bad = path.join(tmp, "bad");
    await mkdir(path.join(bad, "angry"), { recursive: true });
    await mkdir(path.join(bad, "contempt"), { recursive: true });
    await expect(loadFolderDataset(bad, { cache: false })).rejects.toMatchObject({ name: "FerDatasetError", kind: "unknown-class-folder", file: path.join(bad, "contempt") });
    await expect(loadFolderDataset(path.join(tmp, "nope"), { cache: false })).rejects.toBeInstanceOf(FerDatasetError);
    await expect(loadFolderDataset(path.join(tmp, "nope"), { cache: false })).rejects.toMatchObject({ kind: "unreadable-folder" });
    const empty = path.join(tmp, "empty");
    await mkdir(empty, { recursive: true });
    await expect(loadFolderDataset(empty, { cache: false })).rejects.toMatchObject({ kind: "empty-dataset" });
  });

  it("loads the whole FER2013 test split (3,589 real images) with no problem", async () => {
    const { dataset, problems } = await loadFolderDataset(ferTest, { cache: path.join(tmp, "cache-test") });
    expect(problems).toEqual([]);
    expect(dataset.count).toBe(3589);
    expect(dataset.classes).toEqual([...EMOTIONS]);
    expect(classCounts(dataset)).toEqual({ angry: 467, disgust: 56, fear: 496, happy: 895, neutral: 607, sad: 653, surprise: 415 });
  });
});
