import { describe, expect, inject, it } from "vitest";
import { runKillTest } from "../src/bench/kill-test.js";

describe("fer analyze killed at random points", () => {
  it("leaves only complete images, every printed result with its image, and results equal to an uninterrupted run", { timeout: 300_000 }, async () => {
    // A short version of `node dist/bench/kill-test.js` (20 runs, 8 photos, the default models): 4 photos, 3 runs,
    // SIGKILL at start-up, then SIGTERM and SIGKILL at random points of the analysis.
    const lines: string[] = [];
    const { runs } = await runKillTest({ runs: 3, photos: 4, seed: 7, flags: ["--detector", "haar", "--cnn", inject("tinyCnnDir")], onRun: (l) => lines.push(l) });
    expect(runs.filter((r) => r.problems.length > 0), lines.join("\n")).toEqual([]);
    expect(runs.map((r) => r.signal)).toEqual(["SIGKILL", "SIGTERM", "SIGKILL"]);
  });
});
