import { execFile } from "node:child_process";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concatRows, selectRows, type FeatureMatrix } from "../src/core/matrix.js";
import { predictAveraged, predictProbaAveraged } from "../src/core/view-average.js";
import { SoftmaxHead } from "../src/softmax/softmax-head.js";
import { hasMirroredRows, pairMirroredRows, savedHeadMirrorAverage, saveHead, writeFeatures, type FeatureSet } from "../src/node/index.js";
import { separableSlice } from "./helpers.js";

/**
 * The pooled-pixel features of the mirror images: 48x48 faces pooled to an 8x8 grid, so mirroring the face mirrors
 * each row of the grid (6-pixel blocks are symmetric about the centre).
 */
function mirrorPooled(m: FeatureMatrix): FeatureMatrix {
  const data = new Float32Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) data[r * 64 + y * 8 + (7 - x)] = m.data[r * 64 + y * 8 + x]!;
  }
  return { rows: m.rows, cols: m.cols, data };
}

/** `set` followed by the features of its mirror images, as `fer features --mirror` writes them. */
function withMirrors(set: FeatureSet): FeatureSet {
  return {
    ...set,
    features: concatRows(set.features, mirrorPooled(set.features)),
    labels: Uint8Array.from([...set.labels, ...set.labels]),
    ids: [...set.ids!, ...set.ids!.map((id) => `${id}#mirror`)],
  };
}

describe("mirror averaging", () => {
  it("pairs every row of a features file with its mirror, whatever the row order", async () => {
    const { test } = await separableSlice();
    const both = withMirrors(test);
    // Shuffle rows: pairing goes by id, not by position.
    const order = Array.from({ length: both.features.rows }, (_, i) => (i * 7919) % both.features.rows);
    const shuffled: FeatureSet = { ...both, features: selectRows(both.features, order), labels: Uint8Array.from(order, (i) => both.labels[i]!), ids: order.map((i) => both.ids![i]!) };
    expect(hasMirroredRows(shuffled)).toBe(true);
    expect(hasMirroredRows(test)).toBe(false);
    const { original, mirrored } = pairMirroredRows(shuffled);
    expect(original.features.rows).toBe(test.features.rows);
    expect(mirrored.rows).toBe(test.features.rows);
    const expected = mirrorPooled(original.features);
    expect(mirrored.data).toEqual(expected.data);
    original.ids!.forEach((id, i) => expect(original.labels[i]).toBe(test.labels[test.ids!.indexOf(id)]));
  });

  it("refuses a features file without ids, or with an image lacking its mirror", async () => {
    const { test } = await separableSlice();
    expect(() => pairMirroredRows({ ...test, ids: undefined } as FeatureSet)).toThrow(/no ids/);
    expect(() => pairMirroredRows(test)).toThrow(/has no mirrored copy/);
    const both = withMirrors(test);
    const rows = Array.from({ length: both.features.rows - 1 }, (_, i) => i + 1); // drop the first original
    const broken = { ...both, features: selectRows(both.features, rows), labels: both.labels.slice(1), ids: both.ids!.slice(1) };
    expect(() => pairMirroredRows(broken)).toThrow(/has no original/);
  });

  it("averages the head's probabilities over the views, row for row", async () => {
    const { train, test } = await separableSlice();
    const head = await new SoftmaxHead().fit(train.features, train.labels, { classes: train.classes });
    const mirrored = mirrorPooled(test.features);
    const a = head.predictProba(test.features);
    const b = head.predictProba(mirrored);
    const avg = predictProbaAveraged(head, [test.features, mirrored]);
    avg.forEach((row, i) => {
      row.forEach((p, k) => expect(p).toBeCloseTo((a[i]![k]! + b[i]![k]!) / 2, 12));
      expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
    });
    const predicted = predictAveraged(head, [test.features, mirrored]);
    predicted.forEach((c, i) => expect(avg[i]![c]).toBe(Math.max(...avg[i]!)));
    expect(predictProbaAveraged(head, [test.features])).toEqual(a);
    expect(() => predictProbaAveraged(head, [])).toThrow(/no views/);
    expect(() => predictProbaAveraged(head, [test.features, selectRows(mirrored, [0, 1])])).toThrow(/views\[1\] has 2 rows/);
  });
});

describe("select-default --mirror-average", () => {
  const script = fileURLToPath(new URL("../dist/bench/select-default.js", import.meta.url));
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "fer-mirror-average-"));
    const { train, test } = await separableSlice();
    const rows = Array.from({ length: train.features.rows }, (_, i) => i);
    const part = (keep: number[]): FeatureSet => ({
      features: selectRows(train.features, keep),
      labels: Uint8Array.from(keep, (i) => train.labels[i]!),
      classes: train.classes,
      ids: keep.map((i) => train.ids![i]!),
    });
    await writeFeatures(path.join(dir, "fit.json"), withMirrors(part(rows.filter((i) => i % 5 !== 0))));
    await writeFeatures(path.join(dir, "val.json"), withMirrors(part(rows.filter((i) => i % 5 === 0))));
    await writeFeatures(path.join(dir, "val-plain.json"), part(rows.filter((i) => i % 5 === 0)));
    await writeFeatures(path.join(dir, "test.json"), withMirrors(test));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("chooses on mirror-averaged validation accuracy, refits with the mirrored validation rows and marks the head", async () => {
    const out = path.join(dir, "fast.json.gz");
    const { stdout } = await promisify(execFile)(process.execPath, [
      script, "--train", path.join(dir, "fit.json"), "--test", path.join(dir, "test.json"), "--validation", path.join(dir, "val.json"),
      "--out", out, "--mirror-average", "--candidates", JSON.stringify([{ name: "softmax", kind: "softmax", params: {} }]),
    ]);
    expect(stdout).toMatch(/fit 960, validation 120 \(each averaged with its mirror image\)/);
    expect(stdout).toMatch(/refitting on all 1200 training and validation vectors/);
    expect(Number(/test accuracy \(record only\) ([\d.]+)%/.exec(stdout)?.[1])).toBeGreaterThan(70);
    const doc = JSON.parse(gunzipSync(await readFile(out)).toString("utf8")) as unknown;
    expect(savedHeadMirrorAverage(doc)).toBe(true);
  }, 120_000);

  it("fails with a clear message when the validation file has no mirrored copies", async () => {
    const run = promisify(execFile)(process.execPath, [
      script, "--train", path.join(dir, "fit.json"), "--test", path.join(dir, "test.json"), "--validation", path.join(dir, "val-plain.json"),
      "--out", path.join(dir, "never.json.gz"), "--mirror-average",
    ]);
    await expect(run).rejects.toThrow(/--validation features: .* has no mirrored copy/);
  }, 60_000);

  it("saveHead records mirror averaging only when asked", async () => {
    const { train } = await separableSlice();
    const head = await new SoftmaxHead().fit(train.features, train.labels, { classes: train.classes });
    const file = path.join(dir, "plain.json");
    await saveHead(head, file);
    expect(savedHeadMirrorAverage(JSON.parse(await readFile(file, "utf8")))).toBeUndefined();
    await saveHead(head, file, { mirrorAverage: false });
    expect(savedHeadMirrorAverage(JSON.parse(await readFile(file, "utf8")))).toBe(false);
  });
});
