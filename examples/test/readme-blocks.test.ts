// Every ```js / ```ts block of every README runs here, as a user would paste it into a module of their app.
// Placeholders a block reads (photo.jpg, fer2013/train, features/train.json) exist in the folder it runs in: a copy
// of a shipped photo, a 20 real FER2013 training images per class, and CNN features of them. A block may need values
// it does not define (`dataset`, `faces`, ...): an HTML comment right above it, `<!-- readme-test: <code> -->`
// (invisible on GitHub), is run first in the same module; `<!-- readme-test skip: <reason> -->` skips it, visibly.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, "../..");
const shared = process.env.FER_SHARED_DIR ?? path.resolve(repo, "../shared");
const packagesDir = path.join(repo, "packages");

/** One fenced code block of a README. */
interface Block {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  /** Code of a `<!-- readme-test: ... -->` comment right above the block. */
  readonly prelude: string;
  /** Reason of a `<!-- readme-test skip: ... -->` comment right above the block. */
  readonly skip?: string;
}

/** The fenced code blocks of a Markdown file, with the readme-test comment above each, if any. */
function readmeBlocks(file: string): Block[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    // The comment ends on the closest non-blank line above the fence.
    let j = start - 1;
    while (j >= 0 && lines[j]!.trim() === "") j--;
    let prelude = "";
    let skip: string | undefined;
    if (j >= 0 && lines[j]!.trimEnd().endsWith("-->")) {
      let k = j;
      while (k >= 0 && !lines[k]!.includes("<!--")) k--;
      const comment = lines.slice(k, j + 1).join("\n").replace(/^[\s\S]*?<!--/, "").replace(/-->\s*$/, "").trim();
      const m = /^readme-test( skip)?:\s*([\s\S]*)$/.exec(comment);
      if (m?.[1]) skip = m[2]!.trim();
      else if (m) prelude = m[2]!;
    }
    out.push({ file: path.relative(repo, file), line: start + 1, lang: open[1]!, code: body.join("\n"), prelude, ...(skip !== undefined ? { skip } : {}) });
  }
  return out;
}

const READMES = [path.join(repo, "README.md"), ...readdirSync(packagesDir).map((d) => path.join(packagesDir, d, "README.md")).filter(existsSync)];
const CODE = new Set(["js", "ts", "javascript", "typescript", "mjs"]);
const blocks = READMES.flatMap(readmeBlocks);
const code = blocks.filter((b) => CODE.has(b.lang));

let work: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "fer-readme-"));
  // The packages resolve as they would from an app's node_modules (their own dependencies from the workspace).
  mkdirSync(path.join(work, "node_modules", "@fer"), { recursive: true });
  for (const d of readdirSync(packagesDir)) {
    const pj = path.join(packagesDir, d, "package.json");
    if (!existsSync(pj)) continue;
    const name = (JSON.parse(readFileSync(pj, "utf8")) as { name: string }).name;
    symlinkSync(path.join(packagesDir, d), path.join(work, "node_modules", name), "dir");
  }
  writeFileSync(path.join(work, "package.json"), JSON.stringify({ name: "readme-blocks", private: true, type: "module" }));
  copyFileSync(path.join(packagesDir, "pipeline/assets/photos/obama_family_2011.jpg"), path.join(work, "photo.jpg"));
  const train = path.join(shared, "datasets/fer2013/train");
  for (const cls of readdirSync(train)) {
    mkdirSync(path.join(work, "fer2013/train", cls), { recursive: true });
    for (const f of readdirSync(path.join(train, cls)).sort().slice(0, 20)) copyFileSync(path.join(train, cls, f), path.join(work, "fer2013/train", cls, f));
  }
  // features/train.json: the shipped CNN's dense1 features of those images (what `fer features` writes).
  const features = [
    'import { loadCnn, cnnFeaturiserId } from "@fer/cnn";',
    'import { writeFeatures } from "@fer/heads/node";',
    'import { findDefaultCnn } from "@fer/pipeline";',
    'import { loadFolderDataset } from "@fer/preprocess/node";',
    "const cnn = await loadCnn((await findDefaultCnn()).dir);",
    'const { dataset } = await loadFolderDataset("fer2013/train", { cache: false });',
    'const data = await cnn.features(dataset.pixels, dataset.count, "dense1");',
    'await writeFeatures("features/train.json", { features: { rows: dataset.count, cols: 64, data }, labels: dataset.labels, classes: dataset.classes, featuriser: cnnFeaturiserId(cnn.card, "dense1") });',
    "cnn.dispose();",
  ].join("\n");
  writeFileSync(path.join(work, "make-features.mjs"), features);
  await run(process.execPath, ["make-features.mjs"], { cwd: work, timeout: 120_000 });
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("README code blocks", () => {
  it("are found (js/ts blocks in the root README and the package READMEs)", () => {
    expect(code.length).toBeGreaterThan(10);
    expect(code.some((b) => b.file === "README.md")).toBe(true);
  });

  it.each(code.map((b) => [`${b.file}:${b.line}`, b] as const))("%s runs", async (_, b) => {
    if (b.skip !== undefined) {
      console.log(`${b.file}:${b.line} skipped: ${b.skip}`);
      return;
    }
    const source = `${b.prelude}\n${b.code}\nexport {};\n`;
    const out = ts.transpileModule(source, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false } });
    expect(out.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")) ?? []).toEqual([]);
    const file = path.join(work, `block-${b.file.replace(/\W+/g, "-")}-${b.line}.mjs`);
    writeFileSync(file, out.outputText);
    try {
      await run(process.execPath, [file], { cwd: work, timeout: 240_000 });
    } catch (e) {
      const err = e as Error & { stderr?: string };
      throw new Error(`${b.file}:${b.line} failed:\n${b.code}\n--- stderr:\n${err.stderr ?? err.message}`);
    }
  });
});
