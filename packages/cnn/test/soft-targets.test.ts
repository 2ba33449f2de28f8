import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMOTIONS } from "@fer/preprocess";
import { buildTargets, ferPlusAccuracy, formatTeacherProbabilities, readFerPlusVotes, readTeacherProbabilities, TargetsFileError } from "../src/soft-targets.js";
import { sharedDir } from "./shared-data.js";

const VOTES = () => resolve(sharedDir(), "datasets/fer2013/ferplus/train.csv");
// Real rows of ferplus/train.csv: neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF.
const IDS = [
  "angry/Training_10118481.jpg", // 2,0,0,1,7,0,0,0,0,0 -> majority angry
  "angry/Training_10120469.jpg", // 7,2,0,0,0,0,0,0,1,0 -> majority neutral
  "angry/Training_1021836.jpg", // 0,0,3,0,2,3,1,0,1,0 -> tie surprise/disgust: no majority
  "angry/Training_17667401.jpg", // 1,0,0,0,0,0,0,7,2,0 -> contempt on top: no majority
  "angry/Training_10131352.jpg", // no FER+ row
  "angry/Training_10118481.jpg#mirror", // a mirrored copy takes its original's votes
];
const LABELS = Uint8Array.from([0, 0, 0, 0, 0, 0]);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "fer-targets-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("FER+ votes as targets and as a second yardstick", () => {
  it("maps FER+'s columns onto the 7 classes in the project's order, with FER+'s majority rule", async () => {
    const v = await readFerPlusVotes(VOTES(), IDS, EMOTIONS);
    expect(EMOTIONS).toEqual(["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]);
    expect(Array.from(v.votes.subarray(0, 7))).toEqual([7, 0, 0, 0, 2, 1, 0]);
    expect(Array.from(v.votes.subarray(7, 14))).toEqual([0, 0, 0, 2, 7, 0, 0]);
    expect(Array.from(v.other)).toEqual([0, 1, 1, 9, 0, 0]);
    expect(Array.from(v.majority)).toEqual([0, 4, -1, -1, -1, 0]);
    expect(Array.from(v.matched)).toEqual([1, 1, 1, 1, 0, 1]);
    expect(v.unmatched).toBe(1);
    expect(ferPlusAccuracy([0, 0, 0, 0, 0, 0], v)).toEqual({ accuracy: 2 / 3, scored: 3, excluded: 3 });
  });

  it("mixes label, FER+ votes (7 emotions renormalised) and label smoothing; images without emotion votes keep their label", async () => {
    const v = await readFerPlusVotes(VOTES(), IDS, EMOTIONS);
    const { targets, ferplusFallback } = buildTargets(LABELS, 7, { ferplusWeight: 0.5, teacherWeight: 0, labelSmoothing: 0 }, v);
    expect(Array.from(targets.subarray(0, 7))).toEqual([0.5 + 0.35, 0, 0, 0, 0.1, 0.05, 0].map(Math.fround));
    // Row 4: contempt 7, unknown 2, neutral 1: its only emotion vote is neutral.
    expect(targets[3 * 7 + 4]).toBeCloseTo(0.5, 6);
    expect(Array.from(targets.subarray(4 * 7, 5 * 7))).toEqual([1, 0, 0, 0, 0, 0, 0]); // unmatched: the label
    expect(ferplusFallback).toBe(1);
    const smooth = buildTargets(LABELS.subarray(0, 1), 7, { ferplusWeight: 0, teacherWeight: 0, labelSmoothing: 0.1 }).targets;
    expect(smooth[0]).toBeCloseTo(0.9 + 0.1 / 7, 6);
    expect(smooth[1]).toBeCloseTo(0.1 / 7, 6);
    for (let i = 0; i < IDS.length; i++) expect(targets.subarray(i * 7, i * 7 + 7).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it("reads a teacher's probabilities written by formatTeacherProbabilities, in any class order; refuses bad files naming them", async () => {
    const probs = Float32Array.from({ length: 14 }, (_, i) => (i % 7 === 3 ? 0.4 : 0.1));
    const file = join(work, "teacher.csv");
    await writeFile(file, formatTeacherProbabilities(IDS.slice(0, 2), EMOTIONS, probs));
    const reversed = [...EMOTIONS].reverse();
    const t = await readTeacherProbabilities(file, [IDS[1]!, "x/unknown.jpg"], reversed);
    expect(t.probabilities[reversed.indexOf("happy")]).toBeCloseTo(0.4, 6);
    expect(t.unmatched).toBe(1);
    const mixed = buildTargets(Uint8Array.from([0, 0]), 7, { ferplusWeight: 0, teacherWeight: 0.5, labelSmoothing: 0 }, undefined, await readTeacherProbabilities(file, IDS.slice(0, 2), EMOTIONS));
    expect(mixed.targets[3]).toBeCloseTo(0.2, 6);
    expect(mixed.targets[0]).toBeCloseTo(0.55, 6);
    await writeFile(join(work, "bad.csv"), "file,angry\nx.jpg,0.5\n");
    await expect(readTeacherProbabilities(join(work, "bad.csv"), ["x.jpg"], EMOTIONS)).rejects.toThrow(/bad.csv: no column for class "disgust"/);
    await expect(readFerPlusVotes(join(work, "bad.csv"), IDS, EMOTIONS)).rejects.toThrow(TargetsFileError);
    await expect(readFerPlusVotes(join(work, "missing.csv"), IDS, EMOTIONS)).rejects.toThrow(/missing.csv: cannot read/);
  });
});
