import { readdirSync, readFileSync, statSync, type Dirent } from "node:fs";
import path from "node:path";
import type { FaceDataset } from "../dataset.js";
import { EMOTIONS } from "../emotions.js";
import { FerDatasetError, FerImageError } from "../errors.js";
import { toGray } from "../gray.js";
import type { GrayImage, Image } from "../image.js";
import { decodeBaselineGrayJpeg } from "../jpeg-gray.js";
import { resize } from "../resize.js";
import { defaultCacheDir } from "./cache-dir.js";
import { hashString, readDatasetCache, writeDatasetCache } from "./dataset-cache.js";
import { decodeImage, readImageFile, resolveInputLimits, type InputLimits } from "./decode.js";
import type { DatasetProblem } from "./problems.js";

/** File extensions (lower case) {@link loadFolderDataset} decodes; other files in class folders are reported as problems. */
export const IMAGE_EXTENSIONS: readonly string[] = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".avif", ".heic", ".heif"];

/** Changes whenever decoding or conversion changes, so caches made by an older loader are not reused. */
const LOADER_VERSION = "folder-loader-1";

/** Options of {@link loadFolderDataset}. */
export interface LoadFolderOptions extends InputLimits {
  /** Side of the stored faces; images of another size are converted to gray and area-resized. Default 48. */
  size?: number;
  /**
   * Binary cache: `true` (default) = in {@link defaultCacheDir}, a string = in that folder, `false` = none.
   * The cache is keyed by the root path, the size, the classes and every file's relative path, byte size and mtime,
   * so any change in the folder makes a fresh load (and overwrites the stale cache).
   */
  cache?: boolean | string;
  /** Called as images are decoded (not called for a cache hit except once with (total, total)). */
  onProgress?: (done: number, total: number) => void;
  /** Decodes in flight at once (sharp runs them on libuv's thread pool). Default 8. */
  concurrency?: number;
  /** Allowed class folder names, in label order. Default: the 7 canonical {@link EMOTIONS}. */
  classes?: readonly string[];
  /**
   * Loads at most this many images of each class: the first ones by file name; the others are neither read nor
   * decoded. Files skipped for their name or size do not count; a file that then fails to decode is not replaced.
   * Default: all.
   */
  perClass?: number;
  /** Stops the load: no new file is decoded and the load throws the signal's reason (nothing is cached). */
  signal?: AbortSignal;
}

/** What {@link loadFolderDataset} returns. */
export interface LoadedDataset {
  dataset: FaceDataset;
  /** Files that were skipped, with a typed error each (not an image, truncated, empty...). */
  problems: DatasetProblem[];
  /** Whether the data came from the binary cache. */
  fromCache: boolean;
  /** The cache file used or written, if caching was on. */
  cacheFile?: string;
  /** Set when the cache could not be read or written (the load itself still succeeded). */
  cacheError?: Error;
}

interface Entry {
  rel: string;
  abs: string;
  label: number;
  bytes: number;
  mtimeMs: number;
}

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new FerDatasetError("unreadable-folder", dir, (err as NodeJS.ErrnoException).code ?? String(err), { cause: err });
  }
}

/**
 * Lists `<root>/<class>/*` in canonical class order, with sizes and mtimes; non-image files and class folders that
 * cannot be listed become problems (such a class is left out of `classes`).
 */
function listEntries(root: string, allowed: readonly string[], maxBytes: number, perClass = Infinity): { classes: string[]; entries: Entry[]; problems: DatasetProblem[] } {
  const dirs = listDir(root).filter((d) => !d.name.startsWith("."));
  const present = new Set<string>();
  for (const d of dirs) {
    let isDir = d.isDirectory();
    if (d.isSymbolicLink()) {
      try {
        isDir = statSync(path.join(root, d.name)).isDirectory();
      } catch {
        isDir = false;
      }
    }
    if (!isDir) continue;
    if (!allowed.includes(d.name)) {
      throw new FerDatasetError("unknown-class-folder", path.join(root, d.name), `"${d.name}" is not one of ${allowed.join(", ")}`);
    }
    present.add(d.name);
  }
  const found = allowed.filter((c) => present.has(c));
  if (found.length === 0) throw new FerDatasetError("empty-dataset", root, `no class folder (${allowed.join(", ")})`);
  const classes: string[] = [];
  const entries: Entry[] = [];
  const problems: DatasetProblem[] = [];
  for (const cls of found) {
    const dir = path.join(root, cls);
    let listing: Dirent[];
    try {
      listing = listDir(dir);
    } catch (err) {
      // One unreadable class folder costs its images, not the whole load.
      const code = ((err as FerDatasetError).cause as NodeJS.ErrnoException | undefined)?.code ?? String(err);
      problems.push({ file: dir, error: new FerDatasetError("unreadable-folder", dir, `${code}; its images are skipped`, { cause: err }) });
      continue;
    }
    const label = classes.push(cls) - 1;
    const names = listing
      .filter((d) => !d.name.startsWith(".") && !d.isDirectory())
      .map((d) => d.name)
      .sort();
    const prefix = dir + path.sep;
    let kept = 0;
    for (const name of names) {
      if (kept >= perClass) break;
      const abs = prefix + name;
      const rel = `${cls}/${name}`;
      const dot = name.lastIndexOf(".");
      if (dot <= 0 || !IMAGE_EXTENSIONS.includes(name.slice(dot).toLowerCase())) {
        problems.push({ file: abs, error: new FerImageError("not-an-image", abs, `extension "${dot > 0 ? name.slice(dot) : ""}" is not an image type`) });
        continue;
      }
      let st;
      try {
        st = statSync(abs);
      } catch (err) {
        problems.push({ file: abs, error: new FerImageError("unreadable-file", abs, (err as NodeJS.ErrnoException).code, { cause: err }) });
        continue;
      }
      // Only regular files are read: a FIFO would block the load forever, a device would never end.
      if (!st.isFile()) {
        problems.push({ file: abs, error: new FerImageError("not-a-file", abs, "a FIFO, device or socket; nothing was read") });
        continue;
      }
      if (st.size > maxBytes) {
        problems.push({ file: abs, error: new FerImageError("too-large", abs, `${st.size} bytes, over the maximum input size of ${maxBytes} bytes`) });
        continue;
      }
      entries.push({ rel, abs, label, bytes: st.size, mtimeMs: st.mtimeMs });
      kept++;
    }
  }
  if (classes.length === 0) throw new FerDatasetError("empty-dataset", root, `none of its class folders can be read: ${problems.map((p) => p.error.message).join("; ")}`);
  return { classes, entries, problems };
}

/** Converts a decoded image to a `size` x `size` gray face (gray with BT.601 weights, area resize if needed). */
function toFace(img: Image, size: number): Uint8Array {
  let gray: GrayImage = img.channels === 1 ? (img as GrayImage) : toGray(img);
  if (gray.width !== size || gray.height !== size) gray = resize(gray, size, size, { method: "area" });
  return gray.data;
}

/** Reads a file synchronously (small dataset files: far cheaper than four thread-pool round trips). */
function readSmallFile(file: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new FerImageError("unreadable-file", file, (err as NodeJS.ErrnoException).code ?? String(err), { cause: err });
  }
  if (buf.length === 0) throw new FerImageError("empty-file", file);
  return buf;
}

/** Decodes one file to a `size` x `size` gray face (gray with BT.601 weights, area resize if needed). */
export async function decodeFaceFile(file: string, size: number, limits: InputLimits = {}): Promise<Uint8Array> {
  return toFace(await decodeImage(await readImageFile(file, limits), { ...limits, file }), size);
}

/**
 * Loads the folder layout `<root>/<class>/*.{jpg,png,...}` (the shared FER2013 layout) into one compact
 * {@link FaceDataset}: classes in canonical EMOTIONS order (a subset is fine), files sorted by name, ids
 * `<class>/<file>`. Bad files, and class folders that cannot be listed (`unreadable-folder`: that class is left out
 * of `classes`), are skipped and reported in `problems` (typed errors); the load goes on.
 * An unknown class folder, an unreadable root or no readable class folder at all throws a {@link FerDatasetError}.
 * With the cache on, a second load of an unchanged folder reads one binary file (FER2013 train: well under 1 s).
 */
export async function loadFolderDataset(root: string, options: LoadFolderOptions = {}): Promise<LoadedDataset> {
  const size = options.size ?? 48;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`loadFolderDataset: size must be a positive integer, got ${size}`);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
  const allowed = options.classes ?? EMOTIONS;
  const absRoot = path.resolve(root);
  const limits = resolveInputLimits(options);
  options.signal?.throwIfAborted();
  const perClass = options.perClass;
  if (perClass !== undefined && !(Number.isInteger(perClass) && perClass >= 1)) throw new RangeError(`loadFolderDataset: perClass must be a positive integer, got ${perClass}`);
  const { classes, entries, problems: listProblems } = listEntries(absRoot, allowed, limits.maxBytes, perClass);

  let cacheFile: string | undefined;
  let cacheError: Error | undefined;
  let key = "";
  if (options.cache !== false) {
    const dir = typeof options.cache === "string" ? path.resolve(options.cache) : defaultCacheDir();
    // A slice has its own cache file: loading 300 per class does not replace the whole folder's cache.
    cacheFile = path.join(dir, `folder-${hashString(`${absRoot}\n${size}${perClass === undefined ? "" : `\n${perClass}`}`)}.bin`);
    key = hashString(
      [LOADER_VERSION, absRoot, size, classes.join(","), ...entries.map((e) => `${e.rel}\t${e.bytes}\t${e.mtimeMs}`), ...listProblems.map((p) => p.file)].join("\n"),
      64,
    );
    try {
      const hit = await readDatasetCache(cacheFile, key);
      if (hit) {
        options.onProgress?.(hit.dataset.count, hit.dataset.count);
        return { dataset: hit.dataset, problems: hit.problems, fromCache: true, cacheFile };
      }
    } catch (err) {
      cacheError = err as Error;
    }
  }

  const n = size * size;
  const total = entries.length;
  const pixels = new Uint8Array(total * n);
  const ok = new Uint8Array(total);
  const failures: Array<{ index: number; problem: DatasetProblem }> = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < total && options.signal?.aborted !== true) {
      const i = next++;
      const e = entries[i]!;
      try {
        const buf = readSmallFile(e.abs);
        // Baseline gray JPEGs (all of FER2013) decode synchronously; everything else goes through sharp.
        const fast = buf[0] === 0xff && buf[1] === 0xd8 ? decodeBaselineGrayJpeg(buf, { maxPixels: limits.maxPixels, file: e.abs }) : undefined;
        pixels.set(toFace(fast ?? (await decodeImage(buf, { file: e.abs, maxPixels: limits.maxPixels })), size), i * n);
        ok[i] = 1;
      } catch (err) {
        const error = err instanceof FerImageError ? err : new FerImageError("truncated", e.abs, String(err), { cause: err });
        failures.push({ index: i, problem: { file: e.abs, error } });
      }
      done++;
      if (options.onProgress && (done % 512 === 0 || done === total)) options.onProgress(done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(total, 1)) }, worker));
  options.signal?.throwIfAborted();

  const good = total - failures.length;
  const labels = new Uint8Array(good);
  const ids: string[] = [];
  let packed: Uint8Array = pixels;
  if (good !== total) {
    packed = new Uint8Array(good * n);
    let k = 0;
    for (let i = 0; i < total; i++) if (ok[i]) packed.set(pixels.subarray(i * n, (i + 1) * n), k++ * n);
  }
  let k = 0;
  for (let i = 0; i < total; i++) {
    if (!ok[i]) continue;
    labels[k++] = entries[i]!.label;
    ids.push(entries[i]!.rel);
  }
  failures.sort((a, b) => a.index - b.index);
  const problems = [...listProblems, ...failures.map((f) => f.problem)];
  const dataset: FaceDataset = { size, count: good, pixels: packed, labels, classes, ids };
  if (cacheFile) {
    try {
      await writeDatasetCache(cacheFile, key, dataset, problems);
    } catch (err) {
      cacheError = err as Error;
    }
  }
  const result: LoadedDataset = { dataset, problems, fromCache: false };
  if (cacheFile) result.cacheFile = cacheFile;
  if (cacheError) result.cacheError = cacheError;
  return result;
}
