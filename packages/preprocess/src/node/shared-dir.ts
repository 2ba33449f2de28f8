import { existsSync } from "node:fs";
import path from "node:path";

/**
 * The project's read-only shared data folder: `$FER_SHARED_DIR` if set, else `../shared` beside the repository
 * root (the nearest folder above the working directory holding `pnpm-workspace.yaml`), else `../shared` of the
 * working directory.
 */
export function sharedDir(): string {
  const env = process.env.FER_SHARED_DIR;
  if (env) return path.resolve(env);
  let dir = process.cwd();
  for (;;) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return path.resolve(dir, "../shared");
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(process.cwd(), "../shared");
    dir = parent;
  }
}
