import { describe, expect, it } from "vitest";
import { createProgressBar, formatDuration } from "../src/progress.js";

/** A non-TTY stream that keeps what is written. */
function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY: false, write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join("") };
}

describe("progress bar", () => {
  it("prints the items done, not the total, when a job stops early", () => {
    const out = sink();
    const bar = createProgressBar({ label: "epoch 5/30", total: 1000, unit: "img", stream: out.stream, initial: 200 });
    bar.finish("interrupted", 640);
    expect(out.text()).toMatch(/^epoch 5\/30 \[.*\] 640\/1000 - img\/s ETA \? interrupted in 0:00\n$/);
  });

  it("finishes at the total by default and formats durations", () => {
    const out = sink();
    createProgressBar({ label: "load", total: 3, stream: out.stream }).finish();
    expect(out.text()).toContain(" 3/3 ");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(65)).toBe("1:05");
    expect(formatDuration(Number.NaN)).toBe("?");
  });
});
