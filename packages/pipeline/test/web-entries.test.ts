// Every `./web` entry of the fast path must run in a page: nothing reachable from it (static or dynamic imports,
// through the packages' `exports`) may import a Node built-in, sharp, onnxruntime-node, or read `process`. This walks
// the built files (dist/) as a bundler would, with the "import" condition.
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PACKAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WEB_ENTRIES = ["@fer/runtime/web", "@fer/runtime/onnx", "@fer/preprocess/web", "@fer/face-detect/web", "@fer/cnn/web", "@fer/heads/web", "@fer/pipeline/web"];
/** Packages a web entry may import besides fer's own (where its graph stops being walked). */
const ALLOWED_EXTERNAL = new Set(["onnxruntime-web"]);
const NODE_ONLY = new Set(["sharp", "onnxruntime-node", "h5wasm", "@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu", "libsvm-js", "@techstark/opencv-js"]);
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** `name` and subpath of a bare specifier (`@fer/cnn/web` -> `@fer/cnn`, `./web`). */
function splitSpecifier(spec: string): { name: string; subpath: string } {
  const parts = spec.split("/");
  const n = spec.startsWith("@") ? 2 : 1;
  const rest = parts.slice(n).join("/");
  return { name: parts.slice(0, n).join("/"), subpath: rest === "" ? "." : `./${rest}` };
}

/** The file a fer package exports at `subpath` ("import" condition), from its package.json. */
function resolveFer(spec: string): string {
  const { name, subpath } = splitSpecifier(spec);
  const dir = path.join(PACKAGES, name.slice("@fer/".length));
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { exports: Record<string, string | { import?: string }> };
  const target = pkg.exports[subpath];
  const file = typeof target === "string" ? target : target?.import;
  if (file === undefined) throw new Error(`${name} does not export ${subpath}`);
  return path.join(dir, file);
}

/** Import specifiers of a built ES module: static imports and re-exports, side-effect imports, dynamic `import()`. */
function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const re of [/\b(?:import|export)\s[^;"']*?\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g]) {
    for (const m of source.matchAll(re)) out.push(m[1] as string);
  }
  return out;
}

interface Graph {
  files: string[];
  externals: Set<string>;
  problems: string[];
}

/** Walks the module graph from a web entry; problems name the importing file. */
function walk(entry: string): Graph {
  const start = resolveFer(entry);
  const seen = new Set<string>([start]);
  const queue = [start];
  const externals = new Set<string>();
  const problems: string[] = [];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    const source = readFileSync(file, "utf8");
    const where = path.relative(PACKAGES, file);
    if (/\bprocess\s*\.\s*(env|argv|platform|versions|cwd|exit)\b/.test(source)) problems.push(`${where} reads process`);
    if (/\brequire\s*\(/.test(source) || /\bcreateRequire\b/.test(source)) problems.push(`${where} uses require`);
    for (const spec of importsOf(source)) {
      let next: string | undefined;
      if (spec.startsWith(".")) next = path.resolve(path.dirname(file), spec);
      else if (BUILTINS.has(spec)) problems.push(`${where} imports the Node built-in ${spec}`);
      else if (spec.startsWith("@fer/")) next = resolveFer(spec);
      else {
        const { name } = splitSpecifier(spec);
        if (NODE_ONLY.has(name)) problems.push(`${where} imports the Node-only package ${spec}`);
        else if (!ALLOWED_EXTERNAL.has(name)) problems.push(`${where} imports ${spec}, not allowed in a web entry`);
        externals.add(spec);
      }
      if (next !== undefined && !seen.has(next)) {
        if (!existsSync(next)) problems.push(`${where} imports ${spec}: ${path.relative(PACKAGES, next)} does not exist (build first)`);
        else {
          seen.add(next);
          queue.push(next);
        }
      }
    }
  }
  return { files: [...seen].map((f) => path.relative(PACKAGES, f)), externals, problems };
}

describe("web entries", () => {
  it.each(WEB_ENTRIES)("%s reaches no Node built-in, sharp, onnxruntime-node or process", (entry) => {
    const graph = walk(entry);
    expect(graph.problems).toEqual([]);
    expect(graph.files.length).toBeGreaterThan(0);
  });

  it("the pipeline's web graph holds the Node-free cores the Node code uses, and only onnxruntime-web outside fer", () => {
    const graph = walk("@fer/pipeline/web");
    expect(graph.files).toEqual(expect.arrayContaining(["face-detect/dist/yunet-core.js", "heads/dist/core/calibration.js", "heads/dist/forest/forest-model.js", "pipeline/dist/framing.js"]));
    expect(graph.files).not.toContain("face-detect/dist/yunet.js");
    // The CNN's graph is written in the page by the reader and writer Node runs (no model.onnx is shipped).
    expect(graph.files).toEqual(expect.arrayContaining(["cnn/dist/model-data.js", "cnn/dist/onnx/layers-to-onnx.js", "runtime/dist/onnx/onnx-model.js"]));
    expect(graph.files).not.toContain("cnn/dist/model-files.js");
    // onnxruntime-web/webgpu: imported by @fer/runtime/web only when an app opts into WebGPU.
    expect([...graph.externals].sort()).toEqual(["onnxruntime-web/wasm", "onnxruntime-web/webgpu"]);
  });

  it("the walker finds a Node import: the Node entries of the same packages fail", () => {
    for (const entry of ["@fer/face-detect", "@fer/heads", "@fer/pipeline"]) {
      expect(walk(entry).problems.length, entry).toBeGreaterThan(0);
    }
  });
});
