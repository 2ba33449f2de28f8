import type * as tfl from "@tensorflow/tfjs-layers";
import type { FeatureLayer } from "./architectures.js";
import { extractFeatures, INFERENCE_BATCH, runBatched } from "./inference.js";
import { layersModelToOnnx } from "./onnx/layers-to-onnx.js";
import { createCpuSession, type OnnxRuntime } from "@fer/runtime";

/** One engine's forward pass: one Dense layer's output (or the scores) of `count` prepared faces, `[count, width]`. */
export interface Forward {
  run(faces: Float32Array, count: number, layer: FeatureLayer | "scores"): Promise<{ values: Float32Array; width: number }>;
  /** Frees what the engine holds besides the tfjs model. */
  release(): void;
}

/** The forward pass on the tfjs backend. */
export function tfjsForward(model: tfl.LayersModel, size: number): Forward {
  return {
    run: (faces, count, layer) =>
      layer === "scores" ? runBatched(model, faces, count, size) : extractFeatures(model, layer, faces, count, size),
    release() {},
  };
}

/** The forward pass on an onnxruntime session over the ONNX form of `model` (its weights as they are now). */
export async function onnxForward(ort: OnnxRuntime, model: tfl.LayersModel, size: number, threads: number | undefined): Promise<Forward> {
  const { bytes, names } = layersModelToOnnx(model);
  const session = await createCpuSession(ort, bytes, threads);
  const per = size * size;
  let released = false;
  return {
    async run(faces, count, layer) {
      const output = layer === "scores" ? names.scores : names.dense[layer];
      if (output === undefined) throw new Error(`the model has no layer ${layer}`);
      let values = new Float32Array(0);
      let width = 0;
      for (let start = 0; start < count; start += INFERENCE_BATCH) {
        const n = Math.min(INFERENCE_BATCH, count - start);
        const x = new ort.Tensor("float32", faces.subarray(start * per, (start + n) * per), [n, size, size, 1]);
        const out = (await session.run({ [names.input]: x }, [output]))[output]!;
        if (start === 0) {
          width = out.dims[1] as number;
          values = new Float32Array(count * width);
        }
        values.set(out.data as Float32Array, start * width);
      }
      return { values, width };
    },
    release(): void {
      if (released) return;
      released = true;
      void session.release();
    },
  };
}
