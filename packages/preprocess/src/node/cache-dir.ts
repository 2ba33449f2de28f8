import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * The folder where dataset caches go when the caller gives none: `$FER_CACHE_DIR` if set, else
 * `<repo>/.cache/fer` for the nearest folder above the working directory holding `pnpm-workspace.yaml` or `.git`,
 * else `<os tmpdir>/fer-cache`.
 */
export function defaultCacheDir(): string {
  const env = process.env.FER_CACHE_DIR;
  if (env) return path.resolve(env);
  let dir = process.cwd();
  for (;;) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml")) || existsSync(path.join(dir, ".git"))) {
      return path.join(dir, ".cache", "fer");
    }
    const parent = path.dirname(dir);
    if (parent === dir) return path.join(tmpdir(), "fer-cache");
    dir = parent;
  }
}
