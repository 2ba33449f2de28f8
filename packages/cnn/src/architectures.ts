import * as tfl from "@tensorflow/tfjs-layers";

/** The study's seven CNN architectures. */
export const ARCHITECTURES = ["A", "B", "C", "D", "E", "F", "G"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** Output and loss of an architecture: softmax + categorical cross-entropy, or linear + squared hinge. */
export type OutputKind = "softmax" | "linear";

/** The layout of one architecture (study §3): conv 3x3 'same' ReLU blocks of 32, 64 and 128 filters. */
export interface ArchitectureSpec {
  readonly convsPerBlock: readonly [number, number, number];
  readonly pooling: readonly ["max" | "avg", "max" | "avg", "max" | "avg"];
  readonly output: OutputKind;
  /** L2 factor on the last Dense kernel (0 for none). */
  readonly l2: number;
}

export const ARCHITECTURE_SPECS: Readonly<Record<Architecture, ArchitectureSpec>> = {
  A: { convsPerBlock: [1, 1, 1], pooling: ["max", "max", "max"], output: "softmax", l2: 0 },
  B: { convsPerBlock: [3, 3, 3], pooling: ["max", "max", "max"], output: "softmax", l2: 0 },
  C: { convsPerBlock: [2, 3, 4], pooling: ["max", "max", "max"], output: "softmax", l2: 0 },
  D: { convsPerBlock: [2, 3, 4], pooling: ["avg", "avg", "avg"], output: "softmax", l2: 0 },
  E: { convsPerBlock: [2, 3, 4], pooling: ["max", "max", "avg"], output: "softmax", l2: 0 },
  F: { convsPerBlock: [3, 3, 3], pooling: ["avg", "avg", "avg"], output: "linear", l2: 1e-4 },
  G: { convsPerBlock: [2, 3, 4], pooling: ["avg", "avg", "avg"], output: "linear", l2: 1e-4 },
};

const FILTERS = [32, 64, 128] as const;

/** Names of the two 64-unit Dense layers whose outputs are the study's features (layers 13 and 14 of F). */
export const FEATURE_LAYERS = { dense1: "dense1", dense2: "dense2" } as const;
export type FeatureLayer = keyof typeof FEATURE_LAYERS;

/** Name of the last (7-unit) Dense layer. */
export const LOGITS_LAYER = "logits";

/** Whether `name` is one of the seven architectures. */
export function isArchitecture(name: string): name is Architecture {
  return (ARCHITECTURES as readonly string[]).includes(name);
}

/** Options of {@link buildModel}. */
export interface BuildModelOptions {
  /** Side of the square gray input (48 for FER2013). */
  readonly inputSize?: number;
  readonly classes?: number;
  /** Seed of the Glorot-uniform kernel initialisers (layer i uses seed + i). */
  readonly seed?: number;
}

/**
 * Builds one of the study's architectures as an uncompiled tfjs-layers model, input `[null, size, size, 1]`.
 * The last Dense layer gives softmax probabilities (A–E) or linear scores (F, G); its L2 penalty for F
 * and G is applied by the trainer (see {@link ArchitectureSpec.l2}).
 */
export function buildModel(arch: Architecture, options: BuildModelOptions = {}): tfl.LayersModel {
  const spec = ARCHITECTURE_SPECS[arch];
  const size = options.inputSize ?? 48;
  const seed = options.seed ?? 1;
  let layerSeed = seed;
  const init = () => tfl.initializers.glorotUniform({ seed: layerSeed++ });
  {
    const input = tfl.input({ shape: [size, size, 1], name: "face" });
    let x: tfl.SymbolicTensor = input;
    spec.convsPerBlock.forEach((convs, block) => {
      for (let i = 0; i < convs; i++) {
        x = tfl.layers
          .conv2d({
            filters: FILTERS[block] as number,
            kernelSize: 3,
            padding: "same",
            activation: "relu",
            kernelInitializer: init(),
            name: `conv${block + 1}_${i + 1}`,
          })
          .apply(x) as tfl.SymbolicTensor;
      }
      const pool = spec.pooling[block] === "max" ? tfl.layers.maxPooling2d : tfl.layers.averagePooling2d;
      x = pool({ poolSize: 2, strides: 2, name: `pool${block + 1}` }).apply(x) as tfl.SymbolicTensor;
    });
    x = tfl.layers.flatten({ name: "flatten" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 64, activation: "relu", kernelInitializer: init(), name: FEATURE_LAYERS.dense1 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 64, activation: "relu", kernelInitializer: init(), name: FEATURE_LAYERS.dense2 }).apply(x) as tfl.SymbolicTensor;
    const out = tfl.layers
      .dense({
        units: options.classes ?? 7,
        activation: spec.output === "softmax" ? "softmax" : "linear",
        kernelInitializer: init(),
        name: LOGITS_LAYER,
      })
      .apply(x) as tfl.SymbolicTensor;
    return tfl.model({ inputs: input, outputs: out, name: `fer_cnn_${arch}` });
  }
}
