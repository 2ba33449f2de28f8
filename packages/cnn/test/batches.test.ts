import { describe, expect, it } from "vitest";
import { batchRandom, shiftFaces } from "../src/batches.js";

const SIZE = 6;
const PER = SIZE * SIZE;
/** Two faces whose pixel values are their own positions (face 2 offset by 100), so every move can be read back. */
function positions(): Float32Array {
  return Float32Array.from({ length: 2 * PER }, (_, i) => (i < PER ? i : 100 + i - PER));
}
const at = (faces: Float32Array, f: number, y: number, x: number) => faces[f * PER + y * SIZE + x];

describe("random shifts of training faces", () => {
  it("moves a face by the drawn offset and repeats its border into the uncovered edge", () => {
    const faces = positions();
    const original = faces.slice();
    // rand 0.99 draws the largest offset: +2 right and +2 down for every face.
    shiftFaces(faces, 1, SIZE, 2, () => 0.99, new Float32Array(PER));
    expect(at(faces, 0, 5, 4)).toBe(at(original, 0, 3, 2));
    expect(at(faces, 0, 2, 2)).toBe(at(original, 0, 0, 0));
    expect(at(faces, 0, 0, 0)).toBe(at(original, 0, 0, 0));
    expect(at(faces, 0, 1, 3)).toBe(at(original, 0, 0, 1));
    expect(at(faces, 0, 3, 1)).toBe(at(original, 0, 1, 0));
    expect(faces.subarray(PER)).toEqual(original.subarray(PER)); // only `count` faces move
  });

  it("moves left and up with small draws, and leaves faces alone at shift 0", () => {
    const faces = positions();
    const original = faces.slice();
    shiftFaces(faces, 2, SIZE, 1, () => 0, new Float32Array(PER)); // -1 in x and y
    expect(at(faces, 1, 0, 0)).toBe(at(original, 1, 1, 1));
    expect(at(faces, 1, 5, 5)).toBe(at(original, 1, 5, 5));
    expect(at(faces, 0, 2, 4)).toBe(at(original, 0, 3, 5));
    const unmoved = positions();
    shiftFaces(unmoved, 2, SIZE, 0, () => 0, new Float32Array(PER));
    expect(unmoved).toEqual(positions());
  });

  it("draws every offset in range, the same ones for the same batch, other ones for another batch", () => {
    const draw = (rand: () => number) => {
      const faces = new Float32Array(200 * PER).map((_, i) => i % PER);
      shiftFaces(faces, 200, SIZE, 2, rand, new Float32Array(PER));
      return faces;
    };
    const a = draw(batchRandom(42, 3, 128));
    expect(draw(batchRandom(42, 3, 128))).toEqual(a);
    expect(draw(batchRandom(42, 3, 192))).not.toEqual(a);
    expect(draw(batchRandom(42, 4, 128))).not.toEqual(a);
    // Each face's offset is where its interior pixel (2, 2) landed, (2 + dy, 2 + dx): only border pixels are repeated.
    const seen = new Set<string>();
    for (let f = 0; f < 200; f++) {
      const landed = a.subarray(f * PER, (f + 1) * PER).indexOf(2 * SIZE + 2);
      seen.add(`${Math.floor(landed / SIZE) - 2},${(landed % SIZE) - 2}`);
    }
    expect(seen.size).toBe(25);
  });
});
