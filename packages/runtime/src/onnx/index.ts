// The `@fer/runtime/onnx` entry: the in-memory ONNX writer and reader, plain data only (no engine, no tfjs, no Node
// built-in), so the same graph can be written in Node and in a web page.
export { type OnnxAttribute, type OnnxDim, OnnxGraphBuilder } from "./onnx-model.js";
export {
  type OnnxConstant,
  type OnnxElemType,
  OnnxModelError,
  type OnnxModelGraph,
  type OnnxNode,
  type OnnxNodeAttribute,
  type OnnxValueInfo,
  readOnnxModel,
} from "./onnx-reader.js";
