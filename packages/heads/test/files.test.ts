import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHead } from "../src/index.js";
import { assertSameFeaturiser, loadHead, readFeatures, saveHead, savedHeadFeaturiser, writeFeatures } from "../src/node/index.js";
import { separableSlice } from "./helpers.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "fer-heads-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("features files", () => {
  it("round-trip features, labels, classes, ids and source", async () => {
    const { train } = await separableSlice();
    const file = path.join(dir, "sub", "train.json");
    await writeFeatures(file, train);
    expect((await readdir(path.join(dir, "sub"))).sort()).toEqual(["train.bin", "train.json"]);
    const back = await readFeatures(path.join(dir, "sub", "train"));
    expect(back.features).toEqual(train.features);
    expect(back.labels).toEqual(train.labels);
    expect(back.classes).toEqual(train.classes);
    expect(back.ids).toEqual(train.ids);
    expect(back.source).toBe(train.source);
    expect((await readFile(path.join(dir, "sub", "train.bin"))).byteLength).toBe(600 * 64 * 4);
  });

  it("rejects a truncated data file, another version and a wrong label", async () => {
    const { test } = await separableSlice();
    const file = path.join(dir, "t.json");
    await writeFeatures(file, test);
    await truncate(path.join(dir, "t.bin"), 1000);
    await expect(readFeatures(file)).rejects.toMatchObject({ kind: "bad-format" });
    await writeFeatures(file, test);
    const header = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...header, version: 2 }));
    await expect(readFeatures(file)).rejects.toMatchObject({ kind: "version-mismatch" });
    await writeFile(file, JSON.stringify({ ...header, labels: (header["labels"] as number[]).map((l, i) => (i === 4 ? 9 : l)) }));
    await expect(readFeatures(file)).rejects.toMatchObject({ kind: "bad-format" });
  });

  it("writes nothing for an invalid set", async () => {
    const { test } = await separableSlice();
    const data = Float32Array.from(test.features.data);
    data[3] = Number.POSITIVE_INFINITY;
    const file = path.join(dir, "bad", "x.json");
    await expect(writeFeatures(file, { ...test, features: { ...test.features, data } })).rejects.toMatchObject({ kind: "not-finite" });
    await expect(writeFeatures(file, { ...test, labels: test.labels.slice(1) })).rejects.toMatchObject({ kind: "bad-shape" });
    await expect(readdir(path.join(dir, "bad"))).rejects.toThrow();
  });
});

describe("featuriser identity", () => {
  const cnnA = { name: "cnn F", layer: "dense1", model: "2026-11-27T05:09:12.128Z" };
  const cnnB = { ...cnnA, model: "2026-11-28T01:00:00.000Z" };

  it("travels from features files to the saved head", async () => {
    const { train } = await separableSlice();
    const file = path.join(dir, "id.json");
    await writeFeatures(file, { ...train, featuriser: cnnA });
    const back = await readFeatures(file);
    expect(back.featuriser).toEqual(cnnA);
    const head = createHead("softmax");
    await head.fit(back.features, back.labels, { classes: back.classes });
    const headFile = path.join(dir, "id-head.json");
    await saveHead(head, headFile, { featuriser: back.featuriser });
    expect(savedHeadFeaturiser(JSON.parse(await readFile(headFile, "utf8")))).toEqual(cnnA);
    const loaded = await loadHead(headFile);
    expect(loaded.predict(back.features)).toEqual(head.predict(back.features));
    head.dispose();
    loaded.dispose();
  });

  it("refuses features of different models side by side", async () => {
    const { train, test } = await separableSlice();
    expect(() => assertSameFeaturiser({ train: { ...train, featuriser: cnnA }, test: { ...test, featuriser: cnnA } })).not.toThrow();
    expect(() => assertSameFeaturiser({ train: { ...train, featuriser: cnnA }, test: { ...test, featuriser: cnnB } })).toThrow(/2026-11-28/);
    expect(() => assertSameFeaturiser({ train: { ...train, featuriser: cnnA }, test })).toThrow(expect.objectContaining({ kind: "featuriser-mismatch" }));
    const file = path.join(dir, "bad-id.json");
    await writeFeatures(file, train);
    const header = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...header, featuriser: { model: 3 } }));
    await expect(readFeatures(file)).rejects.toMatchObject({ kind: "bad-format" });
  });
});

describe("saved head files", () => {
  it("save and load (plain and gzip) with identical predictions", async () => {
    const { train, test } = await separableSlice();
    const head = await createHead("random-forest", { nEstimators: 20, threads: 1 }).fit(train.features, train.labels);
    const plain = await saveHead(head, path.join(dir, "rf.json"));
    const gz = await saveHead(head, path.join(dir, "rf.json.gz"));
    expect(gz).toBeLessThan(plain);
    for (const f of ["rf.json", "rf.json.gz"]) {
      const loaded = await loadHead(path.join(dir, f));
      expect(loaded.predictProba(test.features)).toEqual(head.predictProba(test.features));
    }
    await writeFile(path.join(dir, "broken.json"), "{\"format\":\"fer-head\"");
    await expect(loadHead(path.join(dir, "broken.json"))).rejects.toMatchObject({ kind: "bad-format" });
    await expect(saveHead(createHead("knn"), path.join(dir, "unfitted.json"))).rejects.toMatchObject({ kind: "not-fitted" });
    expect((await readdir(dir)).filter((f) => f.startsWith("unfitted"))).toEqual([]);
  });
});
