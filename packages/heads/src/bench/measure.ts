import { gzipSync } from "node:zlib";
import type { Head } from "../core/head.js";
import type { FeatureMatrix } from "../core/matrix.js";
import { predictAveraged } from "../core/view-average.js";
import { accuracy } from "../selection/metrics.js";

/** Wall-clock and CPU time of a piece of work (CPU = user + system time of the whole process, all threads). */
export interface Timing {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

/** Runs `fn` and measures its wall and CPU time. */
export async function timed<T>(fn: () => T | Promise<T>): Promise<[T, Timing]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const c = process.cpuUsage(c0);
  return [result, { wallSeconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 }];
}

/** What the benchmark reports for one head. */
export interface HeadMeasurement {
  readonly name: string;
  readonly kind: string;
  readonly params: Record<string, unknown>;
  readonly trainSize: number;
  readonly fit: Timing;
  /** Prediction time per face over the evaluation set, in milliseconds (one thread). */
  readonly predictMsPerFace: Timing;
  readonly accuracy: number;
  readonly evalSize: number;
  /** Size of the saved head: plain JSON and gzip-compressed (`.json.gz`). */
  readonly savedBytes: number;
  readonly savedGzipBytes: number;
}

/** Options of {@link measureHead}. */
export interface MeasureOptions {
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Features of the mirror image of every evaluation row: accuracy and time are then those of mirror averaging
   * (probabilities averaged over both views, see `predictAveraged`).
   */
  readonly evalMirrored?: FeatureMatrix;
}

/** Fits `head` on (x, y), then measures prediction time, accuracy on (ex, ey) and saved size. */
export async function measureHead(name: string, head: Head, x: FeatureMatrix, y: Uint8Array, ex: FeatureMatrix, ey: Uint8Array, classes: readonly string[], options: MeasureOptions = {}): Promise<HeadMeasurement> {
  const { onProgress, evalMirrored } = options;
  const [, fit] = await timed(() => head.fit(x, y, { classes, ...(onProgress ? { onProgress } : {}) }));
  const [pred, p] = await timed(() => (evalMirrored !== undefined ? predictAveraged(head, [ex, evalMirrored]) : head.predict(ex)));
  const text = JSON.stringify(head.toJSON());
  return {
    name,
    kind: head.kind,
    params: { ...head.params },
    trainSize: x.rows,
    fit,
    predictMsPerFace: { wallSeconds: (p.wallSeconds * 1000) / ex.rows, cpuSeconds: (p.cpuSeconds * 1000) / ex.rows },
    accuracy: accuracy(pred, ey),
    evalSize: ex.rows,
    savedBytes: Buffer.byteLength(text),
    savedGzipBytes: gzipSync(Buffer.from(text), { level: 9 }).byteLength,
  };
}

/** A fixed-width table of measurements. */
export function formatMeasurements(rows: readonly HeadMeasurement[], accuracyLabel: string): string {
  const header = ["head", accuracyLabel, "fit wall s", "fit CPU s", "predict ms/face (wall)", "(CPU)", "saved MB", "gz MB"];
  const lines = rows.map((r) => [
    r.name,
    `${(r.accuracy * 100).toFixed(2)}%`,
    r.fit.wallSeconds.toFixed(1),
    r.fit.cpuSeconds.toFixed(1),
    r.predictMsPerFace.wallSeconds.toFixed(3),
    r.predictMsPerFace.cpuSeconds.toFixed(3),
    (r.savedBytes / 1e6).toFixed(2),
    (r.savedGzipBytes / 1e6).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [header, ...lines].map((cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n");
}
