#!/usr/bin/env node
// Packs every public (non-private) workspace package into one folder, with `pnpm pack` (which rewrites `workspace:^`
// to the version). Packages are discovered with `pnpm -r ls`, so a package added to the workspace is packed too.
//   node scripts/pack-public.mjs [DEST]   (default: packs/ at the repository root)
// `pnpm -r pack` would also pack private packages (the examples): use this instead. Build first (`pnpm build`).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The workspace's packages that are not private: `{ name, version, dir }`, sorted by name. */
export function publicPackages() {
  const all = JSON.parse(execFileSync("pnpm", ["-r", "ls", "--json", "--depth", "-1"], { cwd: repoRoot, encoding: "utf8" }));
  return all
    .filter((p) => !p.private && path.resolve(p.path) !== repoRoot)
    .map((p) => ({ name: p.name, version: p.version, dir: p.path }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Packs each public package into `dest`; returns `{ name, version, dir, tarball }` per package. */
export function packPublic(dest) {
  mkdirSync(dest, { recursive: true });
  return publicPackages().map((p) => {
    const before = new Set(readdirSync(dest));
    execFileSync("pnpm", ["pack", "--pack-destination", dest], { cwd: p.dir, stdio: ["ignore", "ignore", "inherit"] });
    const made = readdirSync(dest).filter((f) => f.endsWith(".tgz") && !before.has(f));
    const expected = `${p.name.replace(/^@/, "").replace("/", "-")}-${p.version}.tgz`;
    const tarball = existsSync(path.join(dest, expected)) ? expected : made[0];
    if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball for ${p.name} in ${dest}`);
    return { ...p, tarball: path.join(dest, tarball) };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dest = path.resolve(process.argv[2] ?? path.join(repoRoot, "packs"));
  for (const p of packPublic(dest)) console.log(path.relative(process.cwd(), p.tarball));
}
