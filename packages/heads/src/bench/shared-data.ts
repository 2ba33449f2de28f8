import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sharedDir } from "@fer/preprocess/node";

/** The monorepo root: the nearest ancestor of this file holding `pnpm-workspace.yaml`. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find the repository root (pnpm-workspace.yaml) above " + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export { sharedDir };

/** `<shared>/datasets/fer2013/<split>`. */
export function fer2013Dir(split: "train" | "test"): string {
  return path.join(sharedDir(), "datasets", "fer2013", split);
}

/** This package's folder (packages/heads). */
export function packageDir(): string {
  return path.join(repoRoot(), "packages", "heads");
}
