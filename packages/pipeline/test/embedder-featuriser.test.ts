import { describe, expect, it } from "vitest";
import type { Embedder } from "@fer/embeddings-vggface2";
import type { Image } from "@fer/preprocess";
import { embedderFeaturiser } from "../src/featuriser.js";
import { ferSlice } from "./helpers.js";

/** An embedder that returns, for each face it is given, its width, height, channel count and pixel sum. */
function recordingEmbedder(): Embedder {
  const describe = (f: Image): number[] => [f.width, f.height, f.channels, f.data.reduce((s: number, v: number) => s + v, 0)];
  return {
    name: "recorder",
    layer: "stats",
    layers: ["stats"],
    inputSize: 48,
    preprocessing: "none",
    dim: 4,
    fingerprint: "recorder",
    weightBytes: 0,
    embed: async (faces: readonly Image[]) => Float32Array.from(faces.flatMap(describe)),
    embedLayers: async (faces: readonly Image[]) => [Float32Array.from(faces.flatMap(describe))],
    dimOf: () => 4,
    dispose: () => {},
  } as unknown as Embedder;
}

describe("embedder featuriser", () => {
  it("gives photo crops the embedder the way dataset faces reach it: gray, area-resized to the face size", async () => {
    const set = await ferSlice("test", 1);
    const featuriser = embedderFeaturiser(recordingEmbedder());
    const gray48: Image = { width: 48, height: 48, channels: 1, data: set.pixels.subarray(0, 48 * 48) };
    // The same face as a 96x96 colour crop: each pixel a 2x2 block, gray copied into R, G and B.
    const rgb = new Uint8Array(96 * 96 * 3);
    for (let y = 0; y < 96; y++) for (let x = 0; x < 96; x++) rgb.fill(gray48.data[(y >> 1) * 48 + (x >> 1)]!, 3 * (y * 96 + x), 3 * (y * 96 + x) + 3);
    const crop: Image = { width: 96, height: 96, channels: 3, data: rgb };

    const fromDataset = await featuriser.featuresOfGrayBlock(set.pixels.subarray(0, 48 * 48), 1);
    const fromCrop = await featuriser.features([crop]);
    expect(Array.from(fromDataset.subarray(0, 3))).toEqual([48, 48, 1]);
    expect(Array.from(fromCrop)).toEqual(Array.from(fromDataset));
  });
});
