import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPipeline } from "../src/index.js";

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fer-model-errors-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A copy of the test CNN whose weights.bin is changed by `damage`. */
async function damagedCnn(name: string, damage: (weights: Buffer) => Buffer): Promise<string> {
  const dir = path.join(work, name);
  await cp(inject("tinyCnnDir"), dir, { recursive: true });
  await writeFile(path.join(dir, "weights.bin"), damage(await readFile(path.join(dir, "weights.bin"))));
  return dir;
}

async function loadError(dir: string): Promise<Error> {
  const e = await createPipeline({ cnn: dir, detector: "haar" }).then(
    (p) => {
      p.dispose();
      return undefined;
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(Error);
  return e as Error;
}

describe("damaged CNN weights are refused at load, naming the file", () => {
  it("a truncated weights.bin (a tfjs stack trace before)", async () => {
    const dir = await damagedCnn("truncated", (w) => w.subarray(0, Math.floor(w.length / 2)));
    const e = await loadError(dir);
    expect(e.name).toBe("ModelFolderError");
    expect(e.message).toMatch(new RegExp(`^Cannot load fer CNN model from ${dir}: weights\\.bin is truncated \\(\\d+ bytes; model\\.json's manifest needs \\d+\\)`));
  });

  it("weights holding NaN (they loaded, then every image failed with 'views[0][0][0] is NaN')", async () => {
    const dir = await damagedCnn("nan", (w) => {
      const out = Buffer.from(w);
      out.writeFloatLE(Number.NaN, 4 * 10);
      return out;
    });
    const e = await loadError(dir);
    expect(e.name).toBe("ModelFolderError");
    expect(e.message).toMatch(/weights\.bin holds NaN or infinite values \(1 in .+\)/);
  });
});
