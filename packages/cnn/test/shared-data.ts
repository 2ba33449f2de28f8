import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The read-only shared/ folder beside the repository (FER_SHARED_DIR overrides). */
export function sharedDir(): string {
  if (process.env.FER_SHARED_DIR) return process.env.FER_SHARED_DIR;
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const dir = resolve(repoRoot, "../shared");
  if (!existsSync(dir)) throw new Error(`shared data not found at ${dir}; set FER_SHARED_DIR`);
  return dir;
}

export const fer2013 = (split: "train" | "test") => resolve(sharedDir(), "datasets/fer2013", split);
