import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { parentPort, Worker } from "node:worker_threads";

type ToWorker<J> = { readonly job: number; readonly payload: J } | { readonly stop: true };
type FromWorker<R> = { readonly ready: true } | { readonly job: number; readonly result: R } | { readonly job: number; readonly error: string };

/** Whether a compiled worker script exists at `url` (it does not when running from TypeScript sources). */
export function workerScriptExists(url: URL): boolean {
  return url.protocol === "file:" && existsSync(fileURLToPath(url));
}

/** Threads that a `threads` setting means: 0 = one per core; never more than there are jobs; at least 1. */
export function resolveThreads(threads: number, jobs: number): number {
  return Math.max(1, Math.min(jobs, threads > 0 ? threads : availableParallelism()));
}

let warnedNoWorkers = false;

/**
 * Threads a fit will really use: {@link resolveThreads}, but 1 when the compiled worker script at `url` is missing
 * (running from TypeScript sources, e.g. under vitest). That fallback is reported, not silent: a process warning
 * (code `FER_HEADS_NO_WORKERS`, once per process) names the missing script, and the heads report the threads they
 * used (`fitThreads`).
 */
export function workerThreads(url: URL, threads: number, jobs: number): number {
  const n = resolveThreads(threads, jobs);
  if (n <= 1 || workerScriptExists(url)) return n;
  if (!warnedNoWorkers) {
    warnedNoWorkers = true;
    process.emitWarning(`${url.href} is missing (running from sources?): training on the calling thread instead of ${n} worker threads`, { code: "FER_HEADS_NO_WORKERS" });
  }
  return 1;
}

/**
 * Runs `jobs` on `threads` worker threads started from `url` with `workerData`, handing jobs out one at a time
 * (so a slow job does not hold up the others). Results come back in job order. On the first failure every worker
 * is terminated and the promise rejects. The worker script must call {@link serveJobs}.
 */
export async function runJobsInWorkers<J, R>(
  url: URL,
  workerData: unknown,
  jobs: readonly J[],
  threads: number,
  onDone?: (done: number, total: number) => void,
): Promise<R[]> {
  const results: R[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      if (jobs.length === 0) return resolve();
      let failed = false;
      const fail = (e: unknown): void => {
        if (!failed) {
          failed = true;
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      };
      for (let w = 0; w < threads; w++) {
        const worker = new Worker(url, { workerData });
        workers.push(worker);
        worker.on("message", (msg: FromWorker<R>) => {
          if ("error" in msg) return fail(new Error(`worker job ${msg.job}: ${msg.error}`));
          if ("result" in msg) {
            results[msg.job] = msg.result;
            done++;
            onDone?.(done, jobs.length);
            if (done === jobs.length) resolve();
          }
          if (next < jobs.length) {
            const job = next++;
            worker.postMessage({ job, payload: jobs[job]! } satisfies ToWorker<J>);
          } else worker.postMessage({ stop: true } satisfies ToWorker<J>);
        });
        worker.on("error", fail);
        worker.on("exit", (code) => {
          if (code !== 0 && done < jobs.length) fail(new Error(`worker exited with code ${code}`));
        });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

/**
 * Worker-side loop of {@link runJobsInWorkers}: answers each job with `handler(payload)`
 * (optionally transferring the buffers `transfer(result)` lists instead of copying them).
 */
export function serveJobs<J, R>(handler: (payload: J) => R | Promise<R>, transfer?: (r: R) => ArrayBuffer[]): void {
  const port = parentPort;
  if (!port) throw new Error("serveJobs must run in a worker thread");
  port.on("message", (msg: ToWorker<J>) => {
    if ("stop" in msg) {
      port.close();
      return;
    }
    Promise.resolve()
      .then(() => handler(msg.payload))
      .then(
        (result) => port.postMessage({ job: msg.job, result } satisfies FromWorker<R>, transfer ? transfer(result) : []),
        (e: unknown) => port.postMessage({ job: msg.job, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies FromWorker<R>),
      );
  });
  port.postMessage({ ready: true } satisfies FromWorker<R>);
}

/** A copy of `a` backed by a SharedArrayBuffer, so worker threads can read it without copying. */
export function shared<T extends Uint8Array | Float32Array>(a: T): T {
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}
