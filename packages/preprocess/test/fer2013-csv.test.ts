import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMOTIONS, FerDatasetError, loadFer2013Csv } from "../src/node/index.js";
import { ferFiles, ferTest, loadGray } from "./helpers.js";

let dir: string;
let csv: string;
let faces: Uint8Array[];
let labels: number[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "fer-csv-"));
  const files = ferFiles(ferTest, 2);
  faces = (await loadGray(files)).map((g) => g.data);
  labels = files.map((f) => EMOTIONS.indexOf(f.split("/").at(-2) as never));
  const rows = ["emotion,pixels,Usage"];
  faces.forEach((px, i) => rows.push(`${labels[i]},${Array.from(px).join(" ")},${i % 2 ? "PublicTest" : "Training"}`));
  rows.push(`3,${Array.from(faces[0]!.subarray(0, 2000)).join(" ")},Training`); // too few pixels
  rows.push(`9,${Array.from(faces[0]!).join(" ")},Training`); // bad label
  rows.push(`2,${Array.from(faces[0]!).join(" ").replace(/^\d+/, "300")},Training`); // out of range
  rows.push(`2,${Array.from(faces[0]!).join(" ").replace(/^\d+/, "x")},Training`); // not a number
  rows.push("4"); // missing fields
  csv = path.join(dir, "fer2013.csv");
  await writeFile(csv, rows.join("\r\n") + "\r\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadFer2013Csv", () => {
  it("loads rows into one compact dataset and reports bad rows with their line", async () => {
    const { dataset, problems } = await loadFer2013Csv(csv);
    expect(dataset.count).toBe(faces.length);
    expect(dataset.size).toBe(48);
    expect(dataset.classes).toEqual([...EMOTIONS]);
    expect(dataset.ids[3]).toBe("csv:3");
    expect(Array.from(dataset.labels)).toEqual(labels);
    faces.forEach((px, i) => expect(Array.from(dataset.pixels.subarray(i * 2304, (i + 1) * 2304))).toEqual(Array.from(px)));
    expect(problems.map((p) => (p.error as FerDatasetError).line)).toEqual([16, 17, 18, 19, 20]);
    for (const p of problems) {
      expect(p.error).toBeInstanceOf(FerDatasetError);
      expect(p.error.kind).toBe("bad-csv-row");
      expect(p.error.message).toContain(csv);
    }
    expect(problems[0]!.error.message).toContain("2000 pixels instead of 2304");
  });

  it("filters by Usage", async () => {
    const { dataset } = await loadFer2013Csv(csv, { usage: "PublicTest" });
    expect(dataset.count).toBe(7);
    expect(dataset.ids[0]).toBe("csv:1");
  });

  it("rejects a wrong header and a missing file", async () => {
    const bad = path.join(dir, "bad.csv");
    await writeFile(bad, "label,image\n1,2\n");
    await expect(loadFer2013Csv(bad)).rejects.toMatchObject({ name: "FerDatasetError", kind: "bad-csv-header" });
    await expect(loadFer2013Csv(path.join(dir, "missing.csv"))).rejects.toBeInstanceOf(FerDatasetError);
  });
});
