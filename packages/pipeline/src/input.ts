import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { assertImage, type Image } from "@fer/preprocess";
import { decodeImage, IMAGE_EXTENSIONS } from "@fer/preprocess/node";
import { PipelineError } from "./errors.js";

/** What `analyze` accepts: a file path, the encoded bytes of an image, or a decoded {@link Image}. */
export type ImageInput = string | Buffer | Uint8Array | Image;

/** Whether `x` looks like a decoded {@link Image} (as opposed to a path or encoded bytes). */
export function isImage(x: unknown): x is Image {
  return typeof x === "object" && x !== null && !(x instanceof Uint8Array) && "width" in x && "height" in x && "data" in x;
}

/** A short name for an input in results and error messages: the path, or `<buffer>` / `<image>`. */
export function inputLabel(input: ImageInput): string {
  if (typeof input === "string") return input;
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
    assertImage(input);
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
 * skipped); a file is kept as it is (even without an image extension, so that it is reported if unreadable).
 * A path that does not exist is kept too, to be reported as unreadable by the caller.
 */
export async function expandImagePaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    const walk = async (dir: string): Promise<void> => {
      const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith("."));
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (hasImageExtension(e.name)) out.push(full);
      }
    };
    await walk(p);
  }
  return out;
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
