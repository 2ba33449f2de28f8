import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectRows } from "../src/core/matrix.js";
import { loadHead, writeFeatures } from "../src/node/index.js";
import { separableSlice } from "./helpers.js";

const script = fileURLToPath(new URL("../dist/bench/select-default.js", import.meta.url));
let dir: string;

beforeAll(async () => {
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`pnpm --filter @fer/heads build\` before the tests`);
  dir = await mkdtemp(path.join(tmpdir(), "fer-select-default-"));
  const { train, test } = await separableSlice();
  // Every fifth training vector becomes the validation file, as `fer features --split validation` would write.
  const valRows = Array.from({ length: train.features.rows }, (_, i) => i).filter((i) => i % 5 === 0);
  const fitRows = Array.from({ length: train.features.rows }, (_, i) => i).filter((i) => i % 5 !== 0);
  const part = (rows: number[]) => ({ features: selectRows(train.features, rows), labels: Uint8Array.from(rows, (i) => train.labels[i]!), classes: train.classes });
  await writeFeatures(path.join(dir, "fit.json"), part(fitRows));
  await writeFeatures(path.join(dir, "val.json"), part(valRows));
  await writeFeatures(path.join(dir, "test.json"), test);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("select-default", () => {
  it("scores candidates on the --validation file, then refits the winner on train + validation", async () => {
    const out = path.join(dir, "fast.json.gz");
    const candidates = JSON.stringify([
      { name: "softmax", kind: "softmax", params: {} },
      { name: "knn k=15", kind: "knn", params: { k: 15, weights: "distance" } },
    ]);
    const { stdout } = await promisify(execFile)(process.execPath, [
      script, "--train", path.join(dir, "fit.json"), "--test", path.join(dir, "test.json"),
      "--validation", path.join(dir, "val.json"), "--out", out, "--candidates", candidates,
    ]);
    expect(stdout).toMatch(/fit 480, validation 120/);
    expect(stdout).toMatch(/refitting on all 600 training and validation vectors/);
    const accuracy = Number(/test accuracy \(record only\) ([\d.]+)%/.exec(stdout)?.[1]);
    expect(accuracy).toBeGreaterThan(70);
    const head = await loadHead(out);
    expect(["softmax", "knn"]).toContain(head.kind);
    head.dispose();
  }, 120_000);
});
