import { initBackend } from "@fer/cnn/backend";

/** Initialises the TensorFlow.js backend the one fer way (`@fer/cnn/backend`; FER_TF_BACKEND forces one). */
export async function setupBackend(): Promise<void> {
  await initBackend();
}
