/**
 * Synthetic weights files in the exact layout of the published ones, for tests and for benchmarks of speed
 * (which does not depend on the weight values). Never used to report accuracy.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { expectedWeights } from "../vggface2/assign-weights.js";

type H5 = typeof import("h5wasm/node");
type Group = InstanceType<H5["Group"]>;

function group(root: Group, p: string): Group {
  let g = root;
  for (const part of p.split("/")) g = (g.keys().includes(part) ? g.get(part) : g.create_group(part)) as Group;
  return g;
}

/** Deterministic values in [-scale, scale] (LCG), so tests can compare what they wrote with what was loaded. */
export function pseudoRandom(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** The value a test file holds for one weight: BN statistics that keep activations tame, small He-scaled kernels. */
export function testWeightValue(layerIndex: number, short: string, shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  switch (short) {
    case "gamma":
      return pseudoRandom(n, 1000 + layerIndex, 0.1).map((v) => 1 + v);
    case "beta":
    case "moving_mean":
      return pseudoRandom(n, 2000 + layerIndex, 0.05);
    case "moving_variance":
      return pseudoRandom(n, 3000 + layerIndex, 0.2).map((v) => 1 + v);
    default: {
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      return pseudoRandom(n, 4000 + layerIndex, Math.sqrt(3 / fanIn));
    }
  }
}

/** Options of {@link writeKerasH5}. */
export interface WriteKerasH5Options {
  /** Layers to leave out of the file. */
  readonly skipLayers?: readonly string[];
  /** Replace the shape of one weight (`<layer>/<short>`) to produce a bad file. */
  readonly badShape?: { readonly weight: string; readonly shape: readonly number[] };
  /** Only write these layers. */
  readonly onlyLayers?: readonly string[];
  /** Write under a `model_weights` group, as `model.save` does. */
  readonly fullModel?: boolean;
}

/**
 * Writes synthetic weights for `model`'s architecture to `file` in the layout of a Keras `save_weights` HDF5 file
 * (root attribute `layer_names`; per layer a group with attribute `weight_names` and datasets `<layer>/<short>:0`),
 * with the values of {@link testWeightValue}.
 */
export async function writeSyntheticKerasH5(file: string, model: tfl.LayersModel, options: WriteKerasH5Options = {}): Promise<void> {
  const h5 = await import("h5wasm/node");
  await h5.ready;
  const f = new h5.File(file, "w");
  try {
    const root: Group = options.fullModel ? f.create_group("model_weights") : f;
    const weights = expectedWeights(model);
    const layers = model.layers
      .map((l) => l.name)
      .filter((n) => !(options.skipLayers ?? []).includes(n) && (options.onlyLayers === undefined || options.onlyLayers.includes(n)));
    root.create_attribute("layer_names", layers);
    root.create_attribute("backend", "tensorflow");
    layers.forEach((layer, li) => {
      const g = group(root, layer);
      const own = weights.filter((w) => w.layer === layer);
      g.create_attribute("weight_names", own.map((w) => `${layer}/${w.short}:0`));
      for (const w of own) {
        const shape = options.badShape?.weight === `${layer}/${w.short}` ? options.badShape.shape : w.shape;
        const parts = `${layer}/${w.short}:0`.split("/");
        const leaf = parts.pop()!;
        group(g, parts.join("/")).create_dataset({ name: leaf, data: testWeightValue(li, w.short, shape), shape: [...shape] });
      }
    });
  } finally {
    f.close();
  }
}

/** Saves `model`'s weights as a TensorFlow.js layers model folder (model.json + weights.bin) in `dir`. */
export async function writeLayersFolder(dir: string, model: tfl.LayersModel): Promise<void> {
  const { mkdir, writeFile } = await import("node:fs/promises");
  const path = await import("node:path");
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData as ArrayBuffer;
      await writeFile(path.join(dir, "weights.bin"), new Uint8Array(data));
      const doc = {
        format: "layers-model",
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      };
      await writeFile(path.join(dir, "model.json"), JSON.stringify(doc));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
}
