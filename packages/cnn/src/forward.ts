import type { FeatureLayer } from "./architecture-specs.js";
import type { CnnDescription } from "./onnx/cnn-description.js";
import { cnnToOnnx } from "./onnx/layers-to-onnx.js";
import { createCpuSession, type OnnxRuntime } from "@fer/runtime";

/** Default number of faces per forward pass at inference. */
export const INFERENCE_BATCH = 256;

/** One engine's forward pass: one Dense layer's output (or the scores) of `count` prepared faces, `[count, width]`. */
export interface Forward {
  run(faces: Float32Array, count: number, layer: FeatureLayer | "scores"): Promise<{ values: Float32Array; width: number }>;
  /** Frees the session. Idempotent. */
  release(): void;
}

/**
 * The forward pass of a CNN as its ONNX graph ({@link cnnToOnnx}) on an onnxruntime-shaped runtime: onnxruntime-node,
 * or the tfjs-core interpreter of `@fer/runtime/tfjs` (the `tfjs` engine), `INFERENCE_BATCH` faces per run.
 */
export async function onnxForward(ort: OnnxRuntime, description: CnnDescription, size: number, threads: number | undefined): Promise<Forward> {
  const { bytes, names } = cnnToOnnx(description);
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
