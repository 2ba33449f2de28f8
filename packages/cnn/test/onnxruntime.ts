import { loadOnnxRuntime, type OnnxRuntime } from "@fer/runtime";

/** onnxruntime-node, which the tests of @fer/cnn need (it is a devDependency); throws when it cannot load. */
export async function requireOnnxRuntime(): Promise<OnnxRuntime> {
  const loaded = await loadOnnxRuntime();
  if (loaded === undefined) throw new Error("onnxruntime-node is a devDependency of @fer/cnn and must load in its tests");
  return loaded;
}
