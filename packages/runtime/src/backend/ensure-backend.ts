import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./select-backend.js";

/**
 * Resolves once a tfjs backend is ready: the one already active (chosen by `initBackend`, or set by the app with
 * `tf.setBackend`), else `initBackend`'s choice. For code that needs tensors but leaves the choice to the app.
 */
export async function ensureBackend(): Promise<void> {
  // `backendName` is set once a backend was chosen; reading it does not initialise one.
  if (tf.engine().backendName) await tf.ready();
  else await initBackend();
}
