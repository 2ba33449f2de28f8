/** Worker thread entry: trains the bagged SVMs the main thread hands out (see bagging-svm-head.ts). */
import { workerData } from "node:worker_threads";
import { selectRows, type FeatureMatrix } from "../core/matrix.js";
import { serveJobs } from "../core/worker-pool.js";
import { trainLibsvmText, type LibsvmSettings } from "./libsvm-model.js";

/** What a bagging worker is started with: the (standardised) training data, shared. */
export interface BaggingWorkerInit {
  readonly x: FeatureMatrix;
  readonly y: Uint8Array;
}
/** One job: train an SVM on these rows with these settings. */
export interface BaggingJob {
  readonly rows: Int32Array;
  readonly settings: LibsvmSettings;
}

const init = workerData as BaggingWorkerInit;
serveJobs<BaggingJob, { serialized: string; supportVectors: number }>((job) => {
  const x = selectRows(init.x, job.rows);
  const y = Uint8Array.from(job.rows, (r) => init.y[r]!);
  return trainLibsvmText(x, y, job.settings);
});
