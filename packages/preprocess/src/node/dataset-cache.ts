import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { FaceDataset } from "../dataset.js";
import { FerDatasetError, FerImageError, type FerDatasetErrorKind, type FerImageErrorKind } from "../errors.js";
import { writeFileAtomic } from "./atomic-write.js";
import type { DatasetProblem } from "./problems.js";

const MAGIC = "FERDSC01";
const FORMAT_VERSION = 1;

/** What a cache file stores besides the pixel and label blocks. */
interface CacheHeader {
  version: number;
  key: string;
  size: number;
  count: number;
  classes: string[];
  ids: string[];
  problems: Array<{ file: string; type: "image" | "dataset"; kind: string; message: string }>;
}

/** A stable short hash of a string (hex). */
export function hashString(s: string, length = 16): string {
  return createHash("sha256").update(s).digest("hex").slice(0, length);
}

/**
 * Writes `dataset` (and the problems met while loading it) to `file` atomically (temp file + rename):
 * magic, header length, JSON header (key, size, count, classes, ids, problems), labels, pixels.
 */
export async function writeDatasetCache(file: string, key: string, dataset: FaceDataset, problems: readonly DatasetProblem[]): Promise<void> {
  const header: CacheHeader = {
    version: FORMAT_VERSION,
    key,
    size: dataset.size,
    count: dataset.count,
    classes: [...dataset.classes],
    ids: [...dataset.ids],
    problems: problems.map((p) => ({
      file: p.file,
      type: p.error instanceof FerImageError ? "image" : "dataset",
      kind: p.error.kind,
      message: p.error.message,
    })),
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const pre = Buffer.alloc(12);
  pre.write(MAGIC, 0, "latin1");
  pre.writeUInt32LE(json.length, 8);
  await writeFileAtomic(file, Buffer.concat([pre, json, dataset.labels.subarray(0, dataset.count), dataset.pixels.subarray(0, dataset.count * dataset.size * dataset.size)]));
}

/**
 * Reads a cache written by {@link writeDatasetCache}. Returns undefined when the file does not exist or was made
 * for another key (stale); throws a {@link FerDatasetError} (`bad-cache`) when it is corrupt.
 */
export async function readDatasetCache(file: string, key: string): Promise<{ dataset: FaceDataset; problems: DatasetProblem[] } | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    return undefined;
  }
  const bad = (detail: string): FerDatasetError => new FerDatasetError("bad-cache", file, detail);
  if (buf.length < 12 || buf.toString("latin1", 0, 8) !== MAGIC) throw bad("wrong magic");
  const jsonLen = buf.readUInt32LE(8);
  if (12 + jsonLen > buf.length) throw bad("header past end of file");
  let header: CacheHeader;
  try {
    header = JSON.parse(buf.toString("utf8", 12, 12 + jsonLen)) as CacheHeader;
  } catch (err) {
    throw new FerDatasetError("bad-cache", file, "header is not JSON", { cause: err });
  }
  if (header.version !== FORMAT_VERSION || header.key !== key) return undefined;
  const off = 12 + jsonLen;
  const n = header.size * header.size;
  if (buf.length !== off + header.count + header.count * n || header.ids.length !== header.count) throw bad("wrong length");
  const labels = new Uint8Array(buf.buffer, buf.byteOffset + off, header.count);
  const pixels = new Uint8Array(buf.buffer, buf.byteOffset + off + header.count, header.count * n);
  const problems: DatasetProblem[] = header.problems.map((p) => ({
    file: p.file,
    error:
      p.type === "image"
        ? Object.assign(new FerImageError(p.kind as FerImageErrorKind, p.file), { message: p.message })
        : Object.assign(new FerDatasetError(p.kind as FerDatasetErrorKind, p.file), { message: p.message }),
  }));
  return {
    dataset: { size: header.size, count: header.count, pixels, labels, classes: header.classes, ids: header.ids },
    problems,
  };
}
