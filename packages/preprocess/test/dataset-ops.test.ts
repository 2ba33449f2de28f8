import { describe, expect, it } from "vitest";
import { accuracy, argmaxRows, classCounts, concatDatasets, EMOTIONS, findCrossDuplicates, findUnhelpfulImages, stratifiedSplit, subsetDataset, type FaceDataset } from "../src/index.js";
import { ferFiles, ferTest, loadGray } from "./helpers.js";

function labelsOf(counts: number[]): Uint8Array {
  return Uint8Array.from(counts.flatMap((n, c) => Array<number>(n).fill(c)));
}

describe("stratifiedSplit", () => {
  const labels = labelsOf([400, 44, 410, 722, 497, 483, 317]);
  it("keeps class proportions, covers every index once, and is deterministic", () => {
    const a = stratifiedSplit(labels, { fraction: 0.1, seed: 42 });
    const b = stratifiedSplit(labels, { fraction: 0.1, seed: 42 });
    expect(Array.from(a.validation)).toEqual(Array.from(b.validation));
    const all = [...a.train, ...a.validation].sort((x, y) => x - y);
    expect(all).toEqual(Array.from(labels.keys()));
    const per = new Array(7).fill(0);
    for (const i of a.validation) per[labels[i]!]++;
    expect(per).toEqual([40, 4, 41, 72, 50, 48, 32]);
  });
  it("changes with the seed", () => {
    const a = stratifiedSplit(labels, { fraction: 0.1, seed: 1 });
    const b = stratifiedSplit(labels, { fraction: 0.1, seed: 2 });
    expect(Array.from(a.validation)).not.toEqual(Array.from(b.validation));
  });
  it("rejects a bad fraction", () => {
    expect(() => stratifiedSplit(labels, { fraction: 1.5, seed: 1 })).toThrow(RangeError);
  });
});

async function realDataset(perClass: number): Promise<FaceDataset> {
  const files = ferFiles(ferTest, perClass);
  const faces = await loadGray(files);
  const pixels = new Uint8Array(faces.length * 2304);
  faces.forEach((f, i) => pixels.set(f.data, i * 2304));
  const labels = Uint8Array.from(files.map((f) => EMOTIONS.indexOf(f.split("/").at(-2) as never)));
  return { size: 48, count: faces.length, pixels, labels, classes: [...EMOTIONS], ids: files.map((f) => f.split("/").slice(-2).join("/")) };
}

describe("subset / concat / counts", () => {
  it("subsetDataset copies the chosen images", async () => {
    const ds = await realDataset(3);
    const sub = subsetDataset(ds, [4, 0]);
    expect(sub.count).toBe(2);
    expect(sub.ids).toEqual([ds.ids[4], ds.ids[0]]);
    expect(Array.from(sub.pixels.subarray(0, 2304))).toEqual(Array.from(ds.pixels.subarray(4 * 2304, 5 * 2304)));
    expect(() => subsetDataset(ds, [ds.count])).toThrow(RangeError);
  });
  it("concatDatasets remaps labels by class name", async () => {
    const ds = await realDataset(2);
    const b: FaceDataset = { ...subsetDataset(ds, [0, 13]), classes: ["angry", "surprise"], labels: Uint8Array.from([1, 0]) };
    const c = concatDatasets(ds, b);
    expect(c.count).toBe(ds.count + 2);
    expect(c.classes[c.labels[ds.count]!]).toBe("surprise");
    expect(c.classes[c.labels[ds.count + 1]!]).toBe("angry");
  });
  it("classCounts counts per class name", async () => {
    const ds = await realDataset(2);
    expect(classCounts(ds)).toEqual(Object.fromEntries(EMOTIONS.map((e) => [e, 2])));
  });
});

describe("findUnhelpfulImages", () => {
  it("flags blank, near-constant, placeholder graphics and duplicates; keeps real faces", async () => {
    const ds = await realDataset(4); // 28 real faces
    const n = 2304;
    const extra: Array<{ px: Uint8Array; label: number; id: string }> = [];
    extra.push({ px: new Uint8Array(n).fill(0), label: 0, id: "blank" });
    extra.push({ px: Uint8Array.from({ length: n }, (_, i) => 128 + (i % 2)), label: 1, id: "flat" });
    // A black card with a white triangle (a generated "image unavailable" icon).
    extra.push({ px: Uint8Array.from({ length: n }, (_, i) => (Math.abs((i % 48) - 24) < Math.floor(i / 48) / 2 ? 255 : 0)), label: 2, id: "icon" });
    extra.push({ px: ds.pixels.slice(0, n), label: ds.labels[0]!, id: "copy-same-label" });
    extra.push({ px: ds.pixels.slice(5 * n, 6 * n), label: (ds.labels[5]! + 1) % 7, id: "copy-other-label" });
    const all = concatDatasets(ds, {
      size: 48,
      count: extra.length,
      pixels: Uint8Array.from(extra.flatMap((e) => Array.from(e.px))),
      labels: Uint8Array.from(extra.map((e) => e.label)),
      classes: [...EMOTIONS],
      ids: extra.map((e) => e.id),
    });
    const flagged = findUnhelpfulImages(all);
    const byId = Object.fromEntries(flagged.map((f) => [f.id, f.kind]));
    expect(byId).toEqual({
      blank: "blank",
      flat: "near-constant",
      icon: "two-tone-graphic",
      "copy-same-label": "duplicate",
      "copy-other-label": "conflicting-duplicate",
      [ds.ids[5]!]: "conflicting-duplicate",
    });
    expect(flagged.find((f) => f.id === "copy-same-label")!.reason).toBe(`duplicate of ${ds.ids[0]}`);
  });
  it("findCrossDuplicates finds images of b that are in a", async () => {
    const ds = await realDataset(2);
    const other = subsetDataset(ds, [3, 7]);
    expect(findCrossDuplicates(ds, other).map((d) => d.matchIndex)).toEqual([3, 7]);
  });
});

describe("argmaxRows", () => {
  it("gives each row's first largest value, never a NaN, as labels", () => {
    const scores = Float32Array.from([0.1, 0.7, 0.2, /* tie: the first */ 0.4, 0.2, 0.4, /* NaN skipped */ Number.NaN, 0.3, 0.5, Number.NaN, Number.NaN, Number.NaN]);
    const predicted = argmaxRows(scores, 3);
    expect(predicted).toBeInstanceOf(Uint8Array);
    expect(Array.from(predicted)).toEqual([1, 0, 2, 0]);
    // Logits of FER2013's seven classes from a plain array, as the heads' probabilities come.
    expect(Array.from(argmaxRows([-3, 2, 0, 9, 1, 1, 0, 5, 5, 5, 5, 5, 5, 6], EMOTIONS.length))).toEqual([3, 6]);
    expect(argmaxRows(new Float32Array(0), 0)).toHaveLength(0);
    expect(() => argmaxRows([1, 2], 300)).toThrow(RangeError);
  });
});

describe("accuracy", () => {
  it("is the fraction of equal labels of a real dataset's labels, and refuses empty or unequal lists", async () => {
    const ds = await realDataset(2);
    const labels = ds.labels;
    expect(accuracy(labels, labels)).toBe(1);
    const shifted = Uint8Array.from(labels, (l, i) => (i % 4 === 0 ? (l + 1) % EMOTIONS.length : l));
    const expected = Array.from(labels).filter((_, i) => i % 4 !== 0).length / labels.length;
    expect(accuracy(shifted, labels)).toBeCloseTo(expected, 12);
    expect(() => accuracy(new Uint8Array(0), new Uint8Array(0))).toThrow(RangeError);
    expect(() => accuracy(labels.subarray(1), labels)).toThrow(RangeError);
  });
});
