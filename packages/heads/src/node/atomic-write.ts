import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Writes several files so that none is left half-written: each is written to a temporary sibling first,
 * then all are renamed into place (in the given order). On any error the temporaries are removed.
 * Missing parent folders are created.
 */
export async function writeFilesAtomically(files: readonly { path: string; data: string | Uint8Array }[]): Promise<void> {
  const tag = `.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const temps = files.map((f) => `${f.path}${tag}`);
  for (const f of files) await mkdir(path.dirname(f.path), { recursive: true });
  try {
    for (let i = 0; i < files.length; i++) await writeFile(temps[i]!, files[i]!.data);
    for (let i = 0; i < files.length; i++) await rename(temps[i]!, files[i]!.path);
  } catch (e) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw e;
  }
}
