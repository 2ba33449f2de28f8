export { OnnxGraphBuilder, type OnnxAttribute, type OnnxDim } from "./onnx-model.js";
export { createCpuSession, EngineError, loadOnnxRuntime, resolveEngine, type InferenceEngine, type OnnxRuntime, type OnnxSession, type OnnxTensor, type ResolvedEngine } from "./runtime.js";
export { layersModelToOnnx, type OnnxCnnOutputs } from "./layers-to-onnx.js";
export { layersModelToOnnxTraining, TrainingGraphError, type OnnxTrainingGraph } from "./training-graph.js";
