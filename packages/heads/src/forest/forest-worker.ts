/** Worker thread entry: grows the trees the main thread hands out (see train-trees.ts). */
import { workerData } from "node:worker_threads";
import { serveJobs } from "../core/worker-pool.js";
import { growTree, type Tree } from "./cart.js";
import { treeSeed, type ForestWorkerInit } from "./train-trees.js";

const init = workerData as ForestWorkerInit;
serveJobs<number, Tree>(
  (t) => growTree(init.data, init.settings, treeSeed(init.seed, t)),
  (tree) => [tree.feature.buffer, tree.threshold.buffer, tree.right.buffer, tree.leafCounts.buffer] as ArrayBuffer[],
);
