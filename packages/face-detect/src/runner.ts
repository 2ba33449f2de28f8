/**
 * Runs a detector network on one image input (`[1, height, width, 3]`, or `[1, 3, height, width]` for an `nchw`
 * ONNX runner); resolves to its outputs, flattened, in a fixed order.
 */
export interface NetworkRunner {
  run(input: Float32Array, height: number, width: number): Promise<Float32Array[]>;
  dispose(): void;
}
