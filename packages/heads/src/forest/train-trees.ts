import { mixSeed } from "../core/random.js";
import { runJobsInWorkers, shared, workerThreads } from "../core/worker-pool.js";
import { growTree, type Tree, type TreeData, type TreeSettings } from "./cart.js";

/** What a forest worker is started with. */
export interface ForestWorkerInit {
  readonly data: TreeData;
  readonly settings: TreeSettings;
  readonly seed: number;
}

/** Seed of tree `t` of a forest seeded with `seed` (independent of which thread grows it). */
export function treeSeed(seed: number, t: number): number {
  return mixSeed(seed, t + 1);
}

const WORKER_URL = new URL("./forest-worker.js", import.meta.url);

/**
 * Grows `count` trees, in worker threads when more than one thread is asked for (`threads` 0 = one per core);
 * the binned data is shared with the workers, not copied. Tree t is always grown from `treeSeed(seed, t)`, so
 * the forest is identical whatever the number of threads. Falls back to the calling thread, with a warning, when the
 * compiled worker script is missing (see {@link workerThreads}); `threads` in the result says how many grew it.
 */
export async function trainTrees(
  data: TreeData,
  settings: TreeSettings,
  seed: number,
  count: number,
  threads: number,
  onProgress?: (done: number, total: number) => void,
): Promise<{ trees: Tree[]; threads: number }> {
  const n = workerThreads(WORKER_URL, threads, count);
  if (n <= 1) {
    const trees: Tree[] = [];
    for (let t = 0; t < count; t++) {
      trees.push(growTree(data, settings, treeSeed(seed, t)));
      onProgress?.(t + 1, count);
    }
    return { trees, threads: 1 };
  }
  const init: ForestWorkerInit = { data: { ...data, binned: shared(data.binned), labels: shared(data.labels) }, settings, seed };
  const jobs = Array.from({ length: count }, (_, t) => t);
  return { trees: await runJobsInWorkers<number, Tree>(WORKER_URL, init, jobs, n, onProgress), threads: n };
}
