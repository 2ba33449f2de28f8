import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

/** One file for {@link writeFilesAtomically}. */
export interface AtomicFile {
  readonly path: string;
  readonly data: string | Uint8Array;
}

/** A temporary sibling of `file`: hidden, in the same folder (so the rename stays on one file system), unique. */
function tempSibling(file: string, tag: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${tag}.tmp`);
}

/**
 * Writes several files so that none is ever seen half-written, and no existing link is followed:
 * each is written to a new hidden temporary sibling (created with O_EXCL, so a symlink or file already at that name
 * is never opened; flushed to disk), then all are renamed into place in the given order. A rename replaces the
 * directory entry itself, so a symlink already at a final name is replaced, never written through.
 * On any error the temporaries are removed and the error is rethrown; the final names keep their old content.
 * Missing parent folders are created. The one atomic-write helper of the fer packages.
 */
export async function writeFilesAtomically(files: readonly AtomicFile[]): Promise<void> {
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const temps = files.map((f) => tempSibling(f.path, tag));
  for (const f of files) await mkdir(path.dirname(f.path), { recursive: true });
  const created: string[] = [];
  try {
    for (let i = 0; i < files.length; i++) {
      const handle = await open(temps[i]!, "wx");
      created.push(temps[i]!);
      try {
        await handle.writeFile(files[i]!.data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (let i = 0; i < files.length; i++) await rename(temps[i]!, files[i]!.path);
  } catch (e) {
    await Promise.all(created.map((t) => rm(t, { force: true })));
    throw e;
  }
}

/** Writes one file atomically (see {@link writeFilesAtomically}): complete under its name, or not there at all. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFilesAtomically([{ path: file, data }]);
}
