export { layersModelToOnnx, type OnnxCnnOutputs } from "./layers-to-onnx.js";
export { layersModelToOnnxTraining, TrainingGraphError, type OnnxTrainingGraph } from "./training-graph.js";
