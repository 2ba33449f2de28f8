// Plain-array metrics of class predictions (no tfjs).

// The one argmax and the one accuracy of fer live in @fer/preprocess (shared with @fer/heads); @fer/cnn exports them too.
export { accuracy, argmaxRows } from "@fer/preprocess";
