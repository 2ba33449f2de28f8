// The fast preset's import graph without @tensorflow/tfjs-layers: the built @fer/pipeline runs in a child Node whose
// resolver hides the package (scripts/hide-packages.mjs) and records any attempt to import it.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { PHOTOS } from "./helpers.js";

it("the fast preset analyses a photo on both engines without ever importing @tensorflow/tfjs-layers", async () => {
  const work = await mkdtemp(path.join(tmpdir(), "fer-no-tfjs-layers-"));
  const log = path.join(work, "hidden.log");
  try {
    const script = `
      const { createPipeline } = await import("@fer/pipeline");
      const found = [];
      for (const engine of ["onnxruntime", "tfjs"]) {
        const p = await createPipeline({ engine });
        try {
          found.push((await p.analyze(process.env.PHOTO)).faces.map((f) => f.emotion));
        } finally {
          p.dispose();
        }
      }
      console.log(JSON.stringify(found));
    `;
    const out = execFileSync(process.execPath, ["--import", path.join(import.meta.dirname, "../../../scripts/hide-packages.mjs"), "--input-type=module", "-e", script], {
      cwd: path.join(import.meta.dirname, ".."),
      env: { ...process.env, FER_HIDE_PACKAGES: "@tensorflow/tfjs-layers", FER_HIDE_LOG: log, PHOTO: PHOTOS.apollo },
      encoding: "utf8",
    });
    const found = JSON.parse(out.trim().split("\n").at(-1)!) as string[][];
    expect(found.map((f) => f.length)).toEqual([3, 3]);
    expect(existsSync(log) ? await readFile(log, "utf8") : "").toBe("");
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
