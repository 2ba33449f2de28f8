import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** Every module reachable from `src/index.ts` through relative imports. */
function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:import|export)[^"']*?from\s+["']([^"']+)["']/g)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts")));
      else seen.add(`external:${spec}`);
    }
  };
  visit(entry);
  return [...seen];
}

describe("browser-safe entry", () => {
  it("src/index.ts pulls in no sharp, no node: module and nothing from src/node", () => {
    const mods = reachable(path.resolve(import.meta.dirname, "../src/index.ts"));
    expect(mods.length).toBeGreaterThan(10);
    expect(mods.filter((m) => m.startsWith("external:"))).toEqual([]);
    expect(mods.filter((m) => m.includes(`${path.sep}node${path.sep}`) || m.endsWith("cli.ts"))).toEqual([]);
  });
});
