// The architectures' names, specs and layer names: plain data, no tfjs (the root entry's types stay free of
// tfjs-layers' declarations). `buildModel` (architectures.ts) builds them.

/** The study's seven CNN architectures. */
export const ARCHITECTURES = ["A", "B", "C", "D", "E", "F", "G"] as const;
export type StudyArchitecture = (typeof ARCHITECTURES)[number];

/**
 * Architectures beyond the study (issue 21), for 48x48 gray faces: `vgg-bn`, a VGG-style net with batch normalisation
 * and dropout (after Khaireddin & Chen 2021, scaled to the 3 ms/face budget), and `resnet`, a small residual network
 * with stride-2 stages and global average pooling. Both end in 7 logits trained with softmax cross-entropy (`"logits"`).
 */
export const MODERN_ARCHITECTURES = ["vgg-bn", "resnet"] as const;
export type ModernArchitecture = (typeof MODERN_ARCHITECTURES)[number];

/** Every architecture `buildModel` builds: the study's A–G, then the modern ones. */
export const ALL_ARCHITECTURES = [...ARCHITECTURES, ...MODERN_ARCHITECTURES] as const;
export type Architecture = StudyArchitecture | ModernArchitecture;

/**
 * Output and loss of an architecture: softmax + categorical cross-entropy (A–E), linear + squared hinge (F, G), or
 * linear logits + softmax cross-entropy taken from the logits (`"logits"`: the modern architectures; the scores at
 * inference are the logits, a softmax turns them into probabilities). Only `"logits"` and softmax with
 * `crossEntropy: "logits"` accept soft targets (any distribution per row).
 */
export type OutputKind = "softmax" | "linear" | "logits";

/** Output and regularisation of an architecture. */
export interface ArchitectureSpec {
  readonly output: OutputKind;
  /** L2 factor on the last Dense kernel (0 for none). */
  readonly l2: number;
}

/** The layout of one study architecture (study §3): conv 3x3 'same' ReLU blocks of 32, 64 and 128 filters. */
export interface StudyArchitectureSpec extends ArchitectureSpec {
  readonly convsPerBlock: readonly [number, number, number];
  readonly pooling: readonly ["max" | "avg", "max" | "avg", "max" | "avg"];
}

export const ARCHITECTURE_SPECS: Readonly<Record<StudyArchitecture, StudyArchitectureSpec> & Record<ModernArchitecture, ArchitectureSpec>> = {
  A: { convsPerBlock: [1, 1, 1], pooling: ["max", "max", "max"], output: "softmax", l2: 0 },
  B: { convsPerBlock: [3, 3, 3], pooling: ["max", "max", "max"], output: "softmax", l2: 0 },
  C: { convsPerBlock: [2, 3, 4], pooling: ["max", "max", "max"], output: "softmax", l2: 0 },
  D: { convsPerBlock: [2, 3, 4], pooling: ["avg", "avg", "avg"], output: "softmax", l2: 0 },
  E: { convsPerBlock: [2, 3, 4], pooling: ["max", "max", "avg"], output: "softmax", l2: 0 },
  F: { convsPerBlock: [3, 3, 3], pooling: ["avg", "avg", "avg"], output: "linear", l2: 1e-4 },
  G: { convsPerBlock: [2, 3, 4], pooling: ["avg", "avg", "avg"], output: "linear", l2: 1e-4 },
  "vgg-bn": { output: "logits", l2: 0 },
  resnet: { output: "logits", l2: 0 },
};

/** Names of the two 64-unit Dense layers whose outputs are the study's features (layers 13 and 14 of F). */
export const FEATURE_LAYERS = { dense1: "dense1", dense2: "dense2" } as const;
export type FeatureLayer = keyof typeof FEATURE_LAYERS;

/** Name of the last (7-unit) Dense layer. */
export const LOGITS_LAYER = "logits";

/** Whether `name` is one of the architectures `buildModel` builds (the study's A–G or a modern one). */
export function isArchitecture(name: string): name is Architecture {
  return (ALL_ARCHITECTURES as readonly string[]).includes(name);
}

/** Whether `name` is one of the modern architectures (batch normalisation, dropout; see {@link MODERN_ARCHITECTURES}). */
export function isModernArchitecture(name: string): name is ModernArchitecture {
  return (MODERN_ARCHITECTURES as readonly string[]).includes(name);
}

/** Dropout rates of the modern architectures' classifier (before `dense1`, before `dense2`). */
export const MODERN_DROPOUT = [0.4, 0.4] as const;

/** Batch normalisation of the modern architectures (Keras' defaults: the moving statistics keep 99% per step). */
export const MODERN_BATCH_NORM = { momentum: 0.99, epsilon: 1e-3 } as const;
