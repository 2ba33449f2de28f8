import { describe, expect, inject, it } from "vitest";
import { runKillTest } from "../src/bench/kill-test.js";

describe("fer analyze killed at random points", () => {
  it("leaves only complete images, every printed result with its image, and results equal to an uninterrupted run", { timeout: 180_000 }, async () => {
    // A short version of `node dist/bench/kill-test.js` (20 runs with the default models): 4 runs, SIGKILL and SIGTERM.
    const lines: string[] = [];
    const { runs } = await runKillTest({ runs: 4, seed: 7, flags: ["--detector", "haar", "--cnn", inject("tinyCnnDir")], onRun: (l) => lines.push(l) });
    expect(runs.filter((r) => r.problems.length > 0), lines.join("\n")).toEqual([]);
    expect(runs.map((r) => r.signal)).toEqual(["SIGKILL", "SIGTERM", "SIGKILL", "SIGTERM"]);
  });
});
