import { HeadError } from "../core/errors.js";
import { BaseHead, checkSavedHead, savedParams, type FitOptions, type HeadKind } from "../core/head.js";
import { selectRows, type FeatureMatrix } from "../core/matrix.js";
import { is, resolveParams, type ParamSpec } from "../core/params.js";
import { Rng } from "../core/random.js";
import { runJobsInWorkers, shared, workerThreads } from "../core/worker-pool.js";
import type { BaggingJob, BaggingWorkerInit } from "./bagging-worker.js";
import { loadAsSaved, savedLibsvm, type CompactLibsvm } from "./compact-libsvm.js";
import { predictLibsvm, probaLibsvm, restoreLibsvm, trainLibsvmText, type TrainedSvm } from "./libsvm-model.js";
import { libsvmSettings, SVM_SPECS, type SvmParams } from "./svm-head.js";

/** Parameters of {@link BaggingSvmHead}: the SVM's, plus the ensemble's (scikit-learn's BaggingClassifier names). */
export interface BaggingSvmParams extends SvmParams {
  nEstimators: number;
  /** Training vectors per SVM: a fraction in (0, 1] of the training set, or a count > 1. */
  maxSamples: number;
  /** Draw each SVM's sample with replacement. */
  bootstrap: boolean;
  seed: number;
  /** Worker threads training SVMs in parallel: 0 = one per core; 1 = the calling thread. Does not change the result. */
  threads: number;
}

const SPECS: readonly ParamSpec[] = [
  ...SVM_SPECS,
  { name: "nEstimators", description: "number of SVMs in the ensemble", default: 10, accepts: "integer >= 1", check: is.int(1) },
  {
    name: "maxSamples",
    description: "training vectors per SVM: a fraction in (0, 1] of the training set or a count (the study used 0.1-0.5)",
    default: 1,
    accepts: "fraction in (0, 1] | integer > 1",
    check: (v) => (typeof v === "number" && ((v > 0 && v <= 1) || (Number.isInteger(v) && v > 1)) ? undefined : "must be a fraction in (0, 1] or an integer > 1"),
  },
  { name: "bootstrap", description: "draw each SVM's sample with replacement (scikit-learn's default) instead of without", default: true, accepts: "boolean", check: is.bool() },
  { name: "seed", description: "seed of the samples drawn for each SVM", default: 0, accepts: "integer", check: is.int(-(2 ** 31), 2 ** 31 - 1) },
  { name: "threads", description: "worker threads training SVMs in parallel (0 = one per core); the ensemble does not depend on it", default: 0, accepts: "integer >= 0", check: is.int(0, 256) },
];

interface BaggingModel {
  readonly members: TrainedSvm[];
  /** Each member as saved (support vectors in binary, float32). */
  readonly compacts: CompactLibsvm[];
  readonly gammas: number[];
}

interface BaggingModelJSON {
  /** `compact` since binary support vectors; `libsvm` (text) in heads saved before, still read. */
  readonly members: { readonly gamma: number; readonly supportVectors: number; readonly compact?: CompactLibsvm; readonly libsvm?: string }[];
}

const WORKER_URL = new URL("./bagging-worker.js", import.meta.url);

/**
 * Bagging ensemble of SVMs (as the study's "ensemble SVM"): each SVM trains on a random sample of the training
 * set; their probabilities are averaged. Trains the SVMs in worker threads on every core (each worker has its own
 * libsvm WebAssembly instance). Holds WebAssembly memory: call {@link BaggingSvmHead.dispose} when done.
 */
export class BaggingSvmHead extends BaseHead<BaggingSvmParams, BaggingModel> {
  readonly kind: HeadKind = "bagging-svm";
  /** Parameter specifications of this head kind. */
  static readonly specs = SPECS;
  /**
   * Threads that trained the SVMs at the last {@link BaggingSvmHead.fit} (`undefined` before any, and for a loaded
   * head): 1 when worker threads were not available, whatever `threads` asked for.
   */
  fitThreads: number | undefined;

  constructor(params?: Partial<BaggingSvmParams>) {
    super("bagging-svm", SPECS, params);
  }

  protected get specs(): readonly ParamSpec[] {
    return SPECS;
  }
  protected get summary(): string {
    return "bagging ensemble of libsvm SVMs, each trained on a random sample of the training set";
  }
  protected get probabilityMethod(): string {
    return this.params.probability
      ? "the mean of the member SVMs' probability estimates (libsvm's Platt scaling + pairwise coupling); classes a member never saw count 0"
      : "the fraction of member SVMs voting for each class (probability = false)";
  }
  protected get standardize(): boolean {
    return this.params.standardize;
  }

  protected async fitModel(x: FeatureMatrix, y: Uint8Array, _k: number, options: FitOptions): Promise<BaggingModel> {
    const p = this.params;
    const rng = new Rng(p.seed);
    const m = p.maxSamples <= 1 ? Math.max(2, Math.round(p.maxSamples * x.rows)) : p.maxSamples;
    if (m > x.rows && !p.bootstrap) throw new HeadError("bad-parameter", `bagging-svm: maxSamples = ${m} exceeds the ${x.rows} training vectors`);
    const jobs: BaggingJob[] = [];
    for (let e = 0; e < p.nEstimators; e++) {
      const rows = new Int32Array(m);
      if (p.bootstrap) for (let i = 0; i < m; i++) rows[i] = rng.int(x.rows);
      else {
        const all = rng.shuffle(Int32Array.from({ length: x.rows }, (_, i) => i));
        rows.set(all.subarray(0, m));
      }
      jobs.push({ rows, settings: libsvmSettings(p, selectRows(x, rows)) });
    }
    const threads = workerThreads(WORKER_URL, p.threads, jobs.length);
    const members: TrainedSvm[] = [];
    const compacts: CompactLibsvm[] = [];
    // Every member is the model reloaded from what gets saved, so saving and loading changes no prediction.
    const add = async (serialized: string): Promise<void> => {
      const { trained, compact } = await loadAsSaved(serialized, x.cols, "float32");
      members.push(trained);
      compacts.push(compact);
    };
    try {
      if (threads > 1) {
        const init: BaggingWorkerInit = { x: { ...x, data: shared(x.data) }, y: shared(y) };
        const texts = await runJobsInWorkers<BaggingJob, { serialized: string; supportVectors: number }>(WORKER_URL, init, jobs, threads, options.onProgress);
        for (const t of texts) await add(t.serialized);
      } else {
        for (const [e, job] of jobs.entries()) {
          await add((await trainLibsvmText(selectRows(x, job.rows), Uint8Array.from(job.rows, (r) => y[r]!), job.settings)).serialized);
          options.onProgress?.(e + 1, jobs.length);
        }
      }
    } catch (e) {
      for (const t of members) t.svm.free();
      throw e;
    }
    this.fitThreads = threads;
    return { members, compacts, gammas: jobs.map((j) => j.settings.gamma) };
  }

  protected probaModel(model: BaggingModel, x: FeatureMatrix, numClasses: number): Float64Array {
    const out = new Float64Array(x.rows * numClasses);
    for (const t of model.members) {
      if (this.params.probability) {
        const p = probaLibsvm(t, x, numClasses);
        for (let i = 0; i < out.length; i++) out[i]! += p[i]!;
      } else {
        predictLibsvm(t, x).forEach((c, i) => (out[i * numClasses + c]! += 1));
      }
    }
    for (let i = 0; i < out.length; i++) out[i]! /= model.members.length;
    return out;
  }

  protected modelToJSON(model: BaggingModel): BaggingModelJSON {
    return { members: model.members.map((t, i) => ({ gamma: model.gammas[i]!, supportVectors: t.supportVectors, compact: model.compacts[i]! })) };
  }

  protected override releaseModel(model: BaggingModel): void {
    for (const t of model.members) t.svm.free();
  }

  /** Restores a bagging-svm head from {@link BaggingSvmHead.toJSON}'s output (loads every SVM into WebAssembly memory). */
  static async fromJSON(json: unknown): Promise<BaggingSvmHead> {
    const saved = checkSavedHead(json, "bagging-svm");
    const params = savedParams(saved, (p) => resolveParams<BaggingSvmParams>("bagging-svm", SPECS, p));
    const m = saved.model as BaggingModelJSON;
    if (m === null || typeof m !== "object" || !Array.isArray(m.members) || m.members.length !== params.nEstimators) {
      throw new HeadError("bad-format", "bagging-svm: expected one saved SVM per estimator");
    }
    const texts = m.members.map((mem) => {
      if (mem === null || typeof mem !== "object" || !(mem.gamma > 0)) throw new HeadError("bad-format", "bagging-svm: malformed member");
      return savedLibsvm(mem, saved.dim, saved.classes.length);
    });
    const members: TrainedSvm[] = [];
    try {
      for (const { text } of texts) members.push(await restoreLibsvm(text));
      return new BaggingSvmHead(params).restore(saved, { members, compacts: texts.map((t) => t.compact), gammas: m.members.map((x) => x.gamma) });
    } catch (e) {
      for (const t of members) t.svm.free();
      throw e;
    }
  }
}
