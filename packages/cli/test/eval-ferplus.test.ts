import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPipeline, evaluateFolder, scoreAgainstFerPlus, top2Accuracy, type Pipeline } from "@fer/pipeline";
import { writeReport } from "../src/index.js";
import { fer2013 } from "./helpers.js";

/** FER+'s ten vote columns, in the order of its CSV files. */
const COLUMNS = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF"];
/** The FER+ column of each fer class. */
const COLUMN_OF: Record<string, string> = { angry: "anger", disgust: "disgust", fear: "fear", happy: "happiness", neutral: "neutral", sad: "sadness", surprise: "surprise" };

// Real PublicTest rows of ferplus/test.csv chosen for FER+'s majority rule: the top vote tied between two columns,
// a unique top vote for contempt, a unique top vote for unknown; and a JPEG that FER+ has no row for (NF = 10).
const TIED = ["angry/PublicTest_14075653.jpg", "angry/PublicTest_17614009.jpg", "angry/PublicTest_18063934.jpg"];
const CONTEMPT = ["angry/PublicTest_27052118.jpg", "angry/PublicTest_48371269.jpg"];
const UNKNOWN = ["angry/PublicTest_20761396.jpg", "angry/PublicTest_31947340.jpg"];
const UNMATCHED = "angry/PublicTest_5543497.jpg";

let work: string;
let root: string;
let pipeline: Pipeline;
/** `<class>/<file>` -> its ten FER+ vote counts (real rows). */
const rows = new Map<string, number[]>();
let ids: string[];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fer-eval-ferplus-"));
  const csv = (await readFile(path.join(fer2013("test"), "..", "ferplus", "test.csv"), "utf8")).trim().split("\n");
  const all = new Map(csv.slice(1).map((l) => [l.slice(0, l.indexOf(",")).replace(/^test\//, ""), l] as const));
  ids = [...TIED, ...CONTEMPT, ...UNKNOWN, UNMATCHED];
  for (const cls of Object.keys(COLUMN_OF)) {
    ids.push(...(await readdir(path.join(fer2013("test"), cls))).sort().slice(0, 4).map((f) => `${cls}/${f}`));
  }
  // The FER2013 layout: <parent>/test/<class>/<file> and <parent>/ferplus/test.csv with the real rows of these images.
  root = path.join(work, "fer2013", "test");
  const lines = [csv[0]!];
  for (const id of ids) {
    await mkdir(path.join(root, path.dirname(id)), { recursive: true });
    await copyFile(path.join(fer2013("test"), id), path.join(root, id));
    const line = all.get(id);
    if (line !== undefined) {
      lines.push(line);
      rows.set(id, line.split(",").slice(1).map(Number));
    }
  }
  await mkdir(path.join(work, "fer2013", "ferplus"));
  await writeFile(path.join(work, "fer2013", "ferplus", "test.csv"), `${lines.join("\n")}\n`);
  pipeline = await createPipeline({ cnn: inject("tinyCnnDir") });
});

afterAll(async () => {
  pipeline?.dispose();
  await rm(work, { recursive: true, force: true });
});

/** FER+'s majority class of a row written out independently of the code under test, or undefined. */
function majorityOf(votes: number[]): string | undefined {
  const top = Math.max(...votes);
  const at = votes.flatMap((v, c) => (v === top ? [c] : []));
  if (at.length !== 1) return undefined;
  return Object.keys(COLUMN_OF).find((cls) => COLUMN_OF[cls] === COLUMNS[at[0]!]);
}

describe("FER+ votes of real PublicTest rows", () => {
  it("the rows picked for the rule are what they claim to be", () => {
    expect(rows.has(UNMATCHED)).toBe(false);
    for (const id of TIED) expect(majorityOf(rows.get(id)!)).toBeUndefined();
    for (const id of [...CONTEMPT, ...UNKNOWN]) expect(majorityOf(rows.get(id)!)).toBeUndefined();
    // angry/PublicTest_10116449.jpg (FER2013 says angry) has 8 neutral votes of 10 in FER+.
    expect(majorityOf(rows.get("angry/PublicTest_10116449.jpg")!)).toBe("neutral");
  });

  it("scoreAgainstFerPlus: the majority rule excludes ties, contempt, unknown and unmatched images; cross-entropy against the 7-emotion distribution", async () => {
    const file = path.join(work, "fer2013", "ferplus", "test.csv");
    const classes = pipeline.classes;
    const k = classes.length;
    // Predict the crowd's distribution itself: every image with a majority is right, and the cross-entropy is the
    // entropy of the renormalised 7-emotion votes.
    const probabilities = new Float32Array(ids.length * k);
    const predicted = new Int32Array(ids.length);
    let entropy = 0;
    let withEmotionVotes = 0;
    ids.forEach((id, i) => {
      const v = rows.get(id);
      if (v === undefined) return;
      const emotion = classes.map((c) => v[COLUMNS.indexOf(COLUMN_OF[c]!)]!);
      const total = emotion.reduce((a, b) => a + b, 0);
      emotion.forEach((x, c) => (probabilities[i * k + c] = x / total));
      const m = majorityOf(v);
      // The tied, contempt and unknown rows are predicted as their largest emotion vote: the rule must not count them.
      predicted[i] = m !== undefined ? classes.indexOf(m) : emotion.indexOf(Math.max(...emotion));
      for (const x of emotion) if (x > 0) entropy -= (x / total) * Math.log(x / total);
      withEmotionVotes++;
    });
    const excluded = TIED.length + CONTEMPT.length + UNKNOWN.length + 1 + ids.filter((id) => rows.has(id) && majorityOf(rows.get(id)!) === undefined && ![...TIED, ...CONTEMPT, ...UNKNOWN].includes(id)).length;
    const s = await scoreAgainstFerPlus(file, ids, classes, predicted, probabilities);
    expect(s.unmatched).toBe(1);
    expect(s.matched).toBe(ids.length - 1);
    expect(s.majorityExcluded).toBe(excluded);
    expect(s.majorityScored).toBe(ids.length - excluded);
    expect(s.majorityAccuracy).toBe(1);
    expect(s.crossEntropyScored).toBe(withEmotionVotes);
    expect(s.crossEntropyExcluded).toBe(1);
    expect(s.crossEntropy).toBeCloseTo(entropy / withEmotionVotes, 5);
    // Predicting FER2013's label instead: angry/PublicTest_10116449.jpg (crowd: neutral) is now wrong.
    const asLabelled = Int32Array.from(ids, (id) => classes.indexOf(id.slice(0, id.indexOf("/"))));
    const byLabel = await scoreAgainstFerPlus(file, ids, classes, asLabelled, probabilities);
    expect(byLabel.majorityAccuracy).toBeLessThan(1);
    const agree = ids.filter((id) => rows.has(id) && majorityOf(rows.get(id)!) === id.slice(0, id.indexOf("/"))).length;
    expect(byLabel.majorityAccuracy).toBeCloseTo(agree / (ids.length - excluded), 10);
  });

  it("top2Accuracy counts the label among the two most probable classes; no face is a miss", () => {
    const p = [0.5, 0.3, 0.2, /**/ 0.1, 0.2, 0.7, /**/ 0.2, 0.2, 0.6, /**/ 0, 0, 0];
    expect(top2Accuracy([1, 1, 0, 0], [0, 2, 2, -1], p, 3)).toBeCloseTo(3 / 4);
    // Third row: a tie for second place goes to the lower class index, like the argmax; the fourth had no face.
    expect(top2Accuracy([2, 0, 1, 2], [0, 2, 2, -1], p, 3)).toBe(0);
  });

  it("evaluateFolder finds ferplus/<split>.csv beside the folder and agrees with classifying each image", async () => {
    const r = await evaluateFolder(pipeline, root, { cache: false });
    expect(r.images).toBe(ids.length);
    expect(r.ferplus).not.toBeNull();
    const fp = r.ferplus!;
    expect(fp.file).toBe(path.join(work, "fer2013", "ferplus", "test.csv"));
    expect(fp.unmatched).toBe(1);
    // The same images classified one by one, scored here against the rows with the rule written out above.
    const { decodeImage } = await import("@fer/preprocess/node");
    const order = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const scores = await pipeline.classifyFaces(await Promise.all(order.map((id) => decodeImage(path.join(root, id)))));
    let hits = 0;
    let scored = 0;
    let top2 = 0;
    let loss = 0;
    let lossScored = 0;
    order.forEach((id, i) => {
      const s = scores[i]!;
      const ranked = Object.entries(s.scores).sort((a, b) => b[1] - a[1]);
      if (ranked.slice(0, 2).some(([c]) => c === id.slice(0, id.indexOf("/")))) top2++;
      const v = rows.get(id);
      if (v === undefined) return;
      const m = majorityOf(v);
      if (m !== undefined) {
        scored++;
        if (s.emotion === m) hits++;
      }
      const total = Object.values(COLUMN_OF).reduce((a, c) => a + v[COLUMNS.indexOf(c)]!, 0);
      for (const [cls, col] of Object.entries(COLUMN_OF)) {
        const q = v[COLUMNS.indexOf(col)]! / total;
        if (q > 0) loss -= q * Math.log(Math.max(s.scores[cls]!, 1e-7));
      }
      lossScored++;
    });
    expect(fp.majorityScored).toBe(scored);
    expect(fp.majorityAccuracy).toBeCloseTo(hits / scored, 10);
    expect(fp.crossEntropyScored).toBe(lossScored);
    expect(fp.crossEntropy).toBeCloseTo(loss / lossScored, 4);
    expect(r.top2Accuracy).toBeCloseTo(top2 / ids.length, 10);
    expect(r.top2Accuracy).toBeGreaterThanOrEqual(r.accuracy);

    const md = await readFile((await writeReport(r, path.join(work, "report"), { date: "2026-12-07" })).markdown, "utf8");
    expect(md).toContain("## Against the FER+ crowd votes");
    expect(md).toContain(`| accuracy against the FER+ majority | ${(fp.majorityAccuracy * 100).toFixed(2)}% | ${scored} |`);
    expect(md).toMatch(/\| images \| accuracy \| top-2 accuracy \|/);
  });

  it("votes: false turns the votes off; an explicit file works on a folder without one beside it", async () => {
    expect((await evaluateFolder(pipeline, root, { cache: false, votes: false })).ferplus).toBeNull();
    const elsewhere = path.join(work, "elsewhere");
    await mkdir(path.join(elsewhere, "happy"), { recursive: true });
    const happy = ids.filter((id) => id.startsWith("happy/"));
    for (const id of happy) await copyFile(path.join(root, id), path.join(elsewhere, id));
    expect((await evaluateFolder(pipeline, elsewhere, { cache: false })).ferplus).toBeNull();
    const r = await evaluateFolder(pipeline, elsewhere, { cache: false, votes: path.join(work, "fer2013", "ferplus", "test.csv") });
    expect(r.ferplus!.matched).toBe(happy.length);
    const bad = path.join(work, "not-votes.csv");
    await writeFile(bad, "file,happy\nhappy/x.jpg,1\n");
    await expect(evaluateFolder(pipeline, elsewhere, { cache: false, votes: bad })).rejects.toThrow(/not-votes\.csv: not a FER\+ votes file/);
  });
});
