import type * as tfl from "@tensorflow/tfjs-layers";
import { tfl as tfLayers } from "./tfjs-layers.js";
import { type Architecture, ARCHITECTURE_SPECS, FEATURE_LAYERS, isModernArchitecture, LOGITS_LAYER, MODERN_BATCH_NORM, MODERN_DROPOUT, type ModernArchitecture } from "./architecture-specs.js";

// The names, specs and layer names live in architecture-specs.ts (no tfjs); this module adds buildModel.
export * from "./architecture-specs.js";

const FILTERS = [32, 64, 128] as const;

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
  if (isModernArchitecture(arch)) return buildModernModel(arch, options);
  const spec = ARCHITECTURE_SPECS[arch];
  const size = options.inputSize ?? 48;
  const seed = options.seed ?? 1;
  let layerSeed = seed;
  const init = () => tfLayers.initializers.glorotUniform({ seed: layerSeed++ });
  {
    const input = tfLayers.input({ shape: [size, size, 1], name: "face" });
    let x: tfl.SymbolicTensor = input;
    spec.convsPerBlock.forEach((convs, block) => {
      for (let i = 0; i < convs; i++) {
        x = tfLayers.layers
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
      const pool = spec.pooling[block] === "max" ? tfLayers.layers.maxPooling2d : tfLayers.layers.averagePooling2d;
      x = pool({ poolSize: 2, strides: 2, name: `pool${block + 1}` }).apply(x) as tfl.SymbolicTensor;
    });
    x = tfLayers.layers.flatten({ name: "flatten" }).apply(x) as tfl.SymbolicTensor;
    x = tfLayers.layers.dense({ units: 64, activation: "relu", kernelInitializer: init(), name: FEATURE_LAYERS.dense1 }).apply(x) as tfl.SymbolicTensor;
    x = tfLayers.layers.dense({ units: 64, activation: "relu", kernelInitializer: init(), name: FEATURE_LAYERS.dense2 }).apply(x) as tfl.SymbolicTensor;
    const out = tfLayers.layers
      .dense({
        units: options.classes ?? 7,
        activation: spec.output === "softmax" ? "softmax" : "linear",
        kernelInitializer: init(),
        name: LOGITS_LAYER,
      })
      .apply(x) as tfl.SymbolicTensor;
    return tfLayers.model({ inputs: input, outputs: out, name: `fer_cnn_${arch}` });
  }
}

/**
 * The modern architectures. Every convolution is 3x3 (1x1 for a residual projection) without bias, then batch
 * normalisation, then ReLU (a separate layer). The classifier is Dropout, `dense1` (ReLU), Dropout, `dense2` (64 units,
 * ReLU), `logits` (7, linear), so the pipeline reads 64-d features from `dense2` and applies `logits` to them as for F.
 *
 * - `vgg-bn`: four stages of two convolutions (32, 64, 128, 256 filters) each closed by 2x2 max pooling
 *   (48 -> 24 -> 12 -> 6 -> 3), Flatten (2,304), `dense1` of 256 units.
 * - `resnet`: a 3x3 stem of 32 filters at 48x48, then stages of basic residual blocks (two 3x3 convolutions and the
 *   identity, or a 1x1 stride-2 projection where the shape changes): 2 blocks of 64 at 24x24, 2 of 128 at 12x12,
 *   1 of 256 at 6x6; global average pooling, `dense1` of 128 units.
 */
function buildModernModel(arch: ModernArchitecture, options: BuildModelOptions): tfl.LayersModel {
  const size = options.inputSize ?? 48;
  let layerSeed = options.seed ?? 1;
  const init = () => tfLayers.initializers.heNormal({ seed: layerSeed++ });
  const input = tfLayers.input({ shape: [size, size, 1], name: "face" });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(x) as tfl.SymbolicTensor;
  /** Conv (no bias), batch norm, and ReLU unless `relu` is false. */
  const convBn = (x: tfl.SymbolicTensor, filters: number, name: string, { kernel = 3, stride = 1, relu = true } = {}) => {
    let y = apply(tfLayers.layers.conv2d({ filters, kernelSize: kernel, strides: stride, padding: "same", useBias: false, kernelInitializer: init(), name }), x);
    y = apply(tfLayers.layers.batchNormalization({ ...MODERN_BATCH_NORM, name: `${name}_bn` }), y);
    return relu ? apply(tfLayers.layers.reLU({ name: `${name}_relu` }), y) : y;
  };
  let x: tfl.SymbolicTensor = input;
  let features: number;
  if (arch === "vgg-bn") {
    [32, 64, 128, 256].forEach((filters, stage) => {
      x = convBn(x, filters, `conv${stage + 1}_1`);
      x = convBn(x, filters, `conv${stage + 1}_2`);
      x = apply(tfLayers.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${stage + 1}` }), x);
    });
    x = apply(tfLayers.layers.flatten({ name: "flatten" }), x);
    features = 256;
  } else {
    x = convBn(x, 32, "stem");
    let channels = 32;
    const stages: Array<[filters: number, blocks: number]> = [
      [64, 2],
      [128, 2],
      [256, 1],
    ];
    stages.forEach(([filters, blocks], stage) => {
      for (let b = 0; b < blocks; b++) {
        const name = `res${stage + 1}_${b + 1}`;
        const stride = b === 0 ? 2 : 1;
        const shortcut = stride !== 1 || channels !== filters ? convBn(x, filters, `${name}_proj`, { kernel: 1, stride, relu: false }) : x;
        const y = convBn(convBn(x, filters, `${name}_a`, { stride }), filters, `${name}_b`, { relu: false });
        x = apply(tfLayers.layers.reLU({ name: `${name}_relu` }), apply(tfLayers.layers.add({ name: `${name}_add` }), [y, shortcut]));
        channels = filters;
      }
    });
    x = apply(tfLayers.layers.globalAveragePooling2d({ name: "gap" }), x);
    features = 128;
  }
  x = apply(tfLayers.layers.dropout({ rate: MODERN_DROPOUT[0], name: "dropout1" }), x);
  x = apply(tfLayers.layers.dense({ units: features, activation: "relu", kernelInitializer: init(), name: FEATURE_LAYERS.dense1 }), x);
  x = apply(tfLayers.layers.dropout({ rate: MODERN_DROPOUT[1], name: "dropout2" }), x);
  x = apply(tfLayers.layers.dense({ units: 64, activation: "relu", kernelInitializer: init(), name: FEATURE_LAYERS.dense2 }), x);
  const out = apply(tfLayers.layers.dense({ units: options.classes ?? 7, activation: "linear", kernelInitializer: tfLayers.initializers.glorotUniform({ seed: layerSeed++ }), name: LOGITS_LAYER }), x);
  return tfLayers.model({ inputs: input, outputs: out, name: `fer_cnn_${arch}` });
}
