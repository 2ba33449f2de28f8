export { cnnToOnnx, type OnnxCnnOutputs } from "./layers-to-onnx.js";
export {
  type CnnDescription,
  CnnDescriptionError,
  type CnnWeight,
  DESCRIBED_LAYER_KINDS,
  describeCnn,
  type DescribedLayer,
} from "./cnn-description.js";
export { describeLayersModel, layersModelToOnnx } from "./layers-model.js";
export { layersModelToOnnxTraining, TrainingGraphError, type OnnxTrainingGraph } from "./training-graph.js";
