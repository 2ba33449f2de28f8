import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { assertImage, FerDatasetError, FerImageError, type Image } from "@fer/preprocess";
import { decodeImage, IMAGE_EXTENSIONS } from "@fer/preprocess/node";
import { PipelineError } from "./errors.js";

/** What `analyze` accepts: a file path, the encoded bytes of an image, or a decoded {@link Image}. */
export type ImageInput = string | Buffer | Uint8Array | Image;

/**
 * A path found while expanding folders that cannot be analysed: a sub-folder that cannot be listed, or a FIFO, device
 * or socket with an image name. {@link Pipeline.analyzeEach} turns it into an item with this error; nothing is read from it.
 */
export class UnreadableInput {
  constructor(
    /** The path. */
    readonly file: string,
    /** Why it cannot be analysed (`unreadable-folder`, or `not-a-file`). */
    readonly error: FerDatasetError | FerImageError,
  ) {}
}

/** What the batch calls take: inputs, and the paths folder expansion could not read. */
export type BatchInput = ImageInput | UnreadableInput;

/**
 * Checks a decoded {@link Image} given by the caller.
 * @throws {PipelineError} `bad-input`, naming what is wrong with it.
 */
export function checkImage(image: Image, file = "<image>"): void {
  try {
    assertImage(image, file);
  } catch (e) {
    throw new PipelineError("bad-input", `${(e as Error).message}: pass an Image {width, height, channels: 1 | 3 | 4, data: Uint8Array of width x height x channels bytes}`, { cause: e });
  }
}

/** Whether `x` looks like a decoded {@link Image} (as opposed to a path or encoded bytes). */
export function isImage(x: unknown): x is Image {
  return typeof x === "object" && x !== null && !(x instanceof Uint8Array) && "width" in x && "height" in x && "data" in x;
}

/** A short name for an input in results and error messages: the path, or `<buffer>` / `<image>`. */
export function inputLabel(input: BatchInput): string {
  if (typeof input === "string") return input;
  if (input instanceof UnreadableInput) return input.file;
  return input instanceof Uint8Array ? "<buffer>" : "<image>";
}

/**
 * Decodes an input to an {@link Image}: paths and bytes through `@fer/preprocess/node`'s `decodeImage` (EXIF orientation
 * applied; unreadable or corrupt data throws its typed `FerImageError`), images are checked and returned as they are.
 */
export async function loadInput(input: ImageInput): Promise<Image> {
  if (typeof input === "string") return decodeImage(input);
  if (input instanceof Uint8Array) return decodeImage(input);
  if (isImage(input)) {
    checkImage(input);
    return input;
  }
  throw new PipelineError("bad-input", "analyze() takes a file path, a Buffer/Uint8Array of an encoded image, or an Image {width, height, channels, data}");
}

/** Whether a file name has an image extension `@fer/preprocess` decodes. */
export function hasImageExtension(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

/**
 * Expands paths to image files: a folder becomes its image files (recursively, sorted by path, hidden entries
 * skipped; symlinks to files followed, to folders not); a file is kept as it is (even without an image extension, so
 * that it is reported if unreadable). A path that does not exist is kept too, to be reported as unreadable by the
 * reader. Only regular files are listed to be read: a sub-folder that cannot be listed, and a FIFO, device or socket
 * with an image name, become an {@link UnreadableInput} in its place, and the expansion goes on.
 */
export async function expandImageInputs(paths: readonly string[]): Promise<Array<string | UnreadableInput>> {
  const out: Array<string | UnreadableInput> = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith("."));
    } catch (cause) {
      out.push(new UnreadableInput(dir, new FerDatasetError("unreadable-folder", dir, (cause as NodeJS.ErrnoException).code ?? String(cause), { cause })));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (!hasImageExtension(e.name)) continue;
      else if (e.isFile() || e.isSymbolicLink()) out.push(full); // a link is followed by the reader, which refuses a non-file
      else out.push(new UnreadableInput(full, new FerImageError("not-a-file", full, "a FIFO, device or socket; nothing was read")));
    }
  };
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch {
      isDir = false;
    }
    if (isDir) await walk(p);
    else out.push(p);
  }
  return out;
}

/**
 * {@link expandImageInputs} as plain paths: the unreadable sub-folders and special files are kept as their paths,
 * so that reading them reports them.
 */
export async function expandImagePaths(paths: readonly string[]): Promise<string[]> {
  return (await expandImageInputs(paths)).map((p) => (typeof p === "string" ? p : p.file));
}

/**
 * Maps `inputs` through `fn` with at most `concurrency` calls in flight, yielding results in input order.
 * Only `concurrency` results are held at once, so memory stays flat over any number of inputs.
 */
export async function* mapBounded<T, R>(inputs: Iterable<T> | AsyncIterable<T>, concurrency: number, fn: (input: T, index: number) => Promise<R>): AsyncGenerator<R> {
  const limit = Math.max(1, Math.floor(concurrency));
  const window: Promise<R>[] = [];
  let index = 0;
  for await (const input of inputs as AsyncIterable<T>) {
    const p = fn(input, index++);
    p.catch(() => undefined); // rejections surface when the result is awaited, in order
    window.push(p);
    if (window.length >= limit) yield await (window.shift() as Promise<R>);
  }
  while (window.length > 0) yield await (window.shift() as Promise<R>);
}
