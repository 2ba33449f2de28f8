import type { Architecture } from "../architectures.js";
import type { BackendName } from "@fer/runtime";
import type { CrossEntropyFrom } from "../losses.js";

/** Sent once to a gradient worker. The buffers are shared with the main thread. */
export interface WorkerInit {
  readonly architecture: Architecture;
  readonly size: number;
  readonly classes: number;
  readonly backend: BackendName;
  /** Where the cross-entropy of a softmax model is taken (see LossSpec). */
  readonly crossEntropy: CrossEntropyFrom;
  /** All trainable weights, concatenated in model.trainableWeights order (written by the main thread). */
  readonly weights: SharedArrayBuffer;
  /** This worker's gradients, same layout as `weights` (written by the worker). */
  readonly grads: SharedArrayBuffer;
  /** This worker's share of the batch: faces [maxN, size, size] and labels [maxN]. */
  readonly x: SharedArrayBuffer;
  readonly y: SharedArrayBuffer;
}

/** Messages from the main thread after init. */
export type WorkerRequest = { readonly type: "step"; readonly n: number; readonly weightsChanged: boolean } | { readonly type: "close" };

/** Replies of a worker. */
export type WorkerReply =
  | { readonly type: "ready"; readonly backend: string }
  | { readonly type: "step"; readonly loss: number; readonly correct: number }
  | { readonly type: "error"; readonly message: string };
