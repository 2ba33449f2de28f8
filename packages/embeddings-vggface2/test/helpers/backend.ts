import { initBackend } from "@fer/runtime";

/** Initialises the TensorFlow.js backend the one fer way (`@fer/runtime`; FER_TF_BACKEND forces one). */
export async function setupBackend(): Promise<void> {
  await initBackend();
}
