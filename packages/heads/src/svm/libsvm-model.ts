import { HeadError } from "../core/errors.js";
import type { FeatureMatrix } from "../core/matrix.js";
import { loadLibsvm, type Libsvm, type LibsvmModel } from "./libsvm.js";

/** Settings of one libsvm C-SVC. */
export interface LibsvmSettings {
  readonly kernel: "rbf" | "linear";
  readonly C: number;
  /** Resolved kernel width. */
  readonly gamma: number;
  readonly probability: boolean;
  readonly tolerance: number;
  readonly cacheSize: number;
  readonly shrinking: boolean;
}

/**
 * A trained libsvm model living in libsvm-js's WebAssembly heap. The heads always hold the model *re-loaded from
 * what they save* (`loadAsSaved` of compact-libsvm.ts), so predictions right after training equal those after
 * saving and loading, and the training problem's memory is released right after training.
 */
export interface TrainedSvm {
  readonly svm: LibsvmModel;
  readonly serialized: string;
  /** Class indices in the order libsvm reports its probability estimates. */
  readonly labels: readonly number[];
  readonly supportVectors: number;
}

/** Trains a C-SVC and returns only its libsvm text serialisation (the WebAssembly memory is freed). */
export async function trainLibsvmText(x: FeatureMatrix, y: ArrayLike<number>, s: LibsvmSettings): Promise<{ serialized: string; supportVectors: number }> {
  const present = new Set(Array.from(y));
  if (present.size < 2) throw new HeadError("bad-shape", `svm: y holds only ${present.size} class; an SVM needs at least two`);
  const { SVM } = await loadLibsvm();
  const model = new SVM({
    type: SVM.SVM_TYPES.C_SVC,
    kernel: s.kernel === "rbf" ? SVM.KERNEL_TYPES.RBF : SVM.KERNEL_TYPES.LINEAR,
    cost: s.C,
    gamma: s.gamma,
    probabilityEstimates: s.probability,
    tolerance: s.tolerance,
    cacheSize: s.cacheSize,
    shrinking: s.shrinking,
    quiet: true,
  });
  let serialized: string;
  let supportVectors: number;
  try {
    model.train(rowsOf(x), Array.from(y));
    supportVectors = model.getSVIndices().length;
    serialized = model.serializeModel();
  } finally {
    model.free();
  }
  return { serialized, supportVectors };
}

/** Loads a serialised libsvm model into the WebAssembly heap. */
export async function restoreLibsvm(serialized: string): Promise<TrainedSvm> {
  return loadTrainedSvm(await loadLibsvm(), serialized, -1);
}

function loadTrainedSvm(lib: Libsvm, serialized: string, supportVectors: number): TrainedSvm {
  if (typeof serialized !== "string" || !/^svm_type c_svc\b/.test(serialized) || !/\nSV\n/.test(serialized)) {
    throw new HeadError("bad-format", "svm: saved libsvm model is malformed (expected libsvm's text format for a c_svc)");
  }
  const svm = lib.deserialize(serialized);
  const labels = svm.getLabels();
  const total = /\ntotal_sv (\d+)/.exec(serialized);
  return { svm, serialized, labels, supportVectors: supportVectors >= 0 ? supportVectors : Number(total?.[1] ?? 0) };
}

/** Rows of x as subarray views (libsvm-js copies each into float64). */
export function rowsOf(x: FeatureMatrix): Float32Array[] {
  const rows: Float32Array[] = new Array(x.rows);
  for (let i = 0; i < x.rows; i++) rows[i] = x.data.subarray(i * x.cols, (i + 1) * x.cols);
  return rows;
}

/** libsvm's predicted class (one-vs-one voting) of every row. */
export function predictLibsvm(t: TrainedSvm, x: FeatureMatrix): Int32Array {
  const out = new Int32Array(x.rows);
  for (let i = 0; i < x.rows; i++) out[i] = t.svm.predictOne(x.data.subarray(i * x.cols, (i + 1) * x.cols));
  return out;
}

/**
 * libsvm's probability estimates (Platt scaling of each pairwise decision value, fitted by internal 5-fold
 * cross-validation at training time, then pairwise coupling), as N x K rows; classes absent from training get 0.
 */
export function probaLibsvm(t: TrainedSvm, x: FeatureMatrix, numClasses: number): Float64Array {
  const out = new Float64Array(x.rows * numClasses);
  for (let i = 0; i < x.rows; i++) {
    const { estimates } = t.svm.predictOneProbability(x.data.subarray(i * x.cols, (i + 1) * x.cols));
    let sum = 0;
    for (const e of estimates) sum += e.probability;
    for (const e of estimates) out[i * numClasses + e.label] = e.probability / sum;
  }
  return out;
}
