import { describe, expect, it } from "vitest";
import { calibrateHead, headFingerprint, RandomForestHead, SoftmaxHead, StackingHead, type Head } from "../src/index.js";
import { selectRows } from "../src/core/matrix.js";
import { separableSlice } from "./helpers.js";

function member(name: string, head: Head) {
  return { name, fingerprint: headFingerprint(head) };
}

describe("stacking head", () => {
  it("combines held-out member probabilities, refuses other members, and saves its members", async () => {
    const { train, test } = await separableSlice();
    // Members fitted on even train rows; the stack on the odd rows (held out from both members).
    const even = Array.from({ length: train.features.rows / 2 }, (_, i) => 2 * i);
    const odd = even.map((i) => i + 1);
    const fitX = selectRows(train.features, even);
    const fitY = even.map((i) => train.labels[i]!);
    const heldX = selectRows(train.features, odd);
    const heldY = odd.map((i) => train.labels[i]!);
    const softmax = await new SoftmaxHead().fit(fitX, fitY);
    const forest = await new RandomForestHead({ nEstimators: 40, seed: 3, threads: 1 }).fit(fitX, fitY);
    const a = member("softmax", softmax);
    const b = member("forest", forest);
    const stack = await StackingHead.fit(
      [
        { member: a, probabilities: softmax.predictProba(heldX) },
        { member: b, probabilities: forest.predictProba(heldX) },
      ],
      heldY,
      { fittedOn: "odd rows" },
    );
    const inputs = [
      { member: a, probabilities: softmax.predictProba(test.features) },
      { member: b, probabilities: forest.predictProba(test.features) },
    ];
    const p = stack.predictProba(inputs);
    for (const row of p) expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 9);
    const right = p.filter((row, i) => row.indexOf(Math.max(...row)) === test.labels[i]).length / p.length;
    expect(right).toBeGreaterThan(0.65);

    // Refused: members swapped, one missing, another head, the same head recalibrated.
    expect(() => stack.predictProba([inputs[1]!, inputs[0]!])).toThrow(expect.objectContaining({ kind: "member-mismatch" }));
    expect(() => stack.predictProba([inputs[0]!])).toThrow(expect.objectContaining({ kind: "member-mismatch" }));
    const other = await new RandomForestHead({ nEstimators: 40, seed: 4, threads: 1 }).fit(fitX, fitY);
    expect(() => stack.predictProba([inputs[0]!, { member: member("forest", other), probabilities: other.predictProba(test.features) }])).toThrow(
      expect.objectContaining({ kind: "member-mismatch" }),
    );
    await calibrateHead(forest, [heldX], heldY);
    expect(() => stack.predictProba([inputs[0]!, { member: member("forest", forest), probabilities: forest.predictProba(test.features) }])).toThrow(
      expect.objectContaining({ kind: "member-mismatch" }),
    );

    const loaded = StackingHead.fromJSON(JSON.parse(JSON.stringify(stack.toJSON())));
    expect(loaded.members).toEqual([a, b]);
    expect(loaded.predictProba(inputs)).toEqual(p);
    expect(() => StackingHead.fromJSON({ ...stack.toJSON(), version: 2 })).toThrow(expect.objectContaining({ kind: "version-mismatch" }));
  });
});
