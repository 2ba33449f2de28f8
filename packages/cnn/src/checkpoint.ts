import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readFile, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Thrown for a checkpoint that is incomplete, corrupt or mixed from several saves; names the file at fault. */
export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}; it cannot be resumed safely (start again without --resume into a new --out, or restore the folder)`);
    this.name = "CheckpointError";
  }
}

/** The last file of every checkpoint: the size and SHA-256 of each other file, and a save counter. */
export const MANIFEST = "manifest.json";
const MANIFEST_FORMAT = "fer-checkpoint";

interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: 1;
  readonly files: Record<string, { bytes: number; sha256: string }>;
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Hooks for tests: called after each file of a save is written (throw to simulate a crash there). */
export interface CheckpointSaveHooks {
  readonly afterFile?: (name: string) => void | Promise<void>;
}

/**
 * Saves a checkpoint atomically: every file goes into `<dir>.new/`, then the manifest (sizes and SHA-256 of the others),
 * then `<dir>` is moved to `<dir>.old`, `<dir>.new` renamed to `<dir>` and `<dir>.old` removed. A crash at any point
 * leaves either the previous complete checkpoint (as `<dir>` or `<dir>.old`) or the new one; {@link loadCheckpoint}
 * never reads `<dir>.new`.
 */
export async function saveCheckpoint(dir: string, files: Readonly<Record<string, Uint8Array | string>>, hooks: CheckpointSaveHooks = {}): Promise<void> {
  const fresh = `${dir}.new`;
  const old = `${dir}.old`;
  await rm(fresh, { recursive: true, force: true });
  await mkdir(fresh, { recursive: true });
  const manifest: Manifest = { format: MANIFEST_FORMAT, version: 1, files: {} };
  for (const [name, content] of Object.entries(files)) {
    if (name === MANIFEST || name.includes("/")) throw new RangeError(`bad checkpoint file name ${name}`);
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    await writeSynced(join(fresh, name), bytes);
    manifest.files[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
    await hooks.afterFile?.(name);
  }
  await writeSynced(join(fresh, MANIFEST), JSON.stringify(manifest, null, 1));
  await hooks.afterFile?.(MANIFEST);
  if (existsSync(dir)) {
    // A complete <dir>.old left by an earlier crash is older than <dir>: drop it first.
    await rm(old, { recursive: true, force: true });
    await rename(dir, old);
    await hooks.afterFile?.("<moved aside>");
  }
  await rename(fresh, dir);
  await hooks.afterFile?.("<renamed>");
  await rm(old, { recursive: true, force: true });
  // Persist the renames (best effort: not every platform can open a folder).
  try {
    const handle = await open(dirname(dir), "r");
    await handle.sync().finally(() => handle.close());
  } catch {
    /* ignore */
  }
}

/** Whether a checkpoint (complete, or left as `<dir>.old` by a save interrupted between its renames) exists. */
export function checkpointExists(dir: string): boolean {
  return existsSync(join(dir, MANIFEST)) || existsSync(join(dir, "state.json")) || existsSync(join(`${dir}.old`, MANIFEST));
}

/**
 * Reads and verifies a checkpoint saved by {@link saveCheckpoint}: every file the manifest lists must be there with its
 * size and hash, and no other file. When `<dir>` is missing but `<dir>.old` is complete (a save stopped between its two
 * renames), that previous checkpoint is read. Returns undefined when there is no checkpoint at all; throws
 * {@link CheckpointError} naming the file for anything inconsistent (a folder from an older fer without a manifest
 * included: its files cannot be shown to belong to one save).
 */
export async function loadCheckpoint(dir: string): Promise<{ dir: string; files: Map<string, Buffer> } | undefined> {
  let from = dir;
  if (!existsSync(dir)) {
    if (!existsSync(join(`${dir}.old`, MANIFEST))) return undefined;
    from = `${dir}.old`;
  }
  const manifestFile = join(from, MANIFEST);
  if (!existsSync(manifestFile)) {
    throw new CheckpointError(
      manifestFile,
      (await readdir(from)).length === 0 ? "the checkpoint folder is empty" : `missing: the folder holds no manifest (a save was interrupted, or it was written by an older fer)`,
    );
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(manifestFile, "utf8")) as Manifest;
  } catch (e) {
    throw new CheckpointError(manifestFile, `unreadable manifest (${(e as Error).message})`);
  }
  if (manifest?.format !== MANIFEST_FORMAT || typeof manifest.files !== "object" || manifest.files === null) {
    throw new CheckpointError(manifestFile, "not a fer checkpoint manifest");
  }
  const files = new Map<string, Buffer>();
  for (const [name, { bytes, sha256: hash }] of Object.entries(manifest.files)) {
    const path = join(from, basename(name));
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch {
      throw new CheckpointError(path, "missing from the checkpoint its manifest describes");
    }
    if (data.byteLength !== bytes) throw new CheckpointError(path, `${data.byteLength} bytes where the manifest says ${bytes} (truncated, or from another save)`);
    if (sha256(data) !== hash) throw new CheckpointError(path, "its content does not match the manifest's hash (corrupt, or from another save)");
    files.set(name, data);
  }
  for (const name of await readdir(from)) {
    if (name !== MANIFEST && !files.has(name) && !name.includes(".tmp-")) {
      throw new CheckpointError(join(from, name), "not listed in the checkpoint's manifest (left by another save)");
    }
  }
  return { dir: from, files };
}

/** Removes a checkpoint and the `.new`/`.old` folders a save may leave. */
export async function removeCheckpoint(dir: string): Promise<void> {
  await Promise.all([dir, `${dir}.new`, `${dir}.old`].map((d) => rm(d, { recursive: true, force: true })));
}
