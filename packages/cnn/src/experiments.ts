import { join } from "node:path";
import type { FaceDataset } from "@fer/preprocess";
import { ARCHITECTURE_SPECS, ARCHITECTURES, type Architecture } from "./architectures.js";
import { writeFileAtomic } from "@fer/preprocess/node";
import { trainCnn, type TrainOptions } from "./train.js";

/** One row of a study table: a configuration trained `runs` times with different seeds. */
export interface ExperimentRow {
  readonly name: string;
  readonly runs: readonly number[];
  readonly mean: number;
  readonly max: number;
  readonly min: number;
  /** Population variance of the validation accuracies, in percentage points squared (as the study printed it). */
  readonly variance: number;
}

/** The study's two tables: architectures A–G, and preprocessing variants of F. */
export type ExperimentTable = "architectures" | "preprocessing";

type Variant = { name: string; options: Pick<TrainOptions, "architecture" | "mirror" | "contrast"> };

/** The configurations of a table, as in the study (§4.1 and §4.2). */
export function tableVariants(table: ExperimentTable): Variant[] {
  if (table === "architectures") {
    return ARCHITECTURES.map((a: Architecture) => ({ name: a, options: { architecture: a, mirror: false, contrast: "none" } }));
  }
  return [
    { name: "no preprocessing", options: { architecture: "F", mirror: false, contrast: "none" } },
    { name: "histogram equalization", options: { architecture: "F", mirror: false, contrast: "equalizeHist" } },
    { name: "CLAHE size=(4,4) limit=4", options: { architecture: "F", mirror: false, contrast: "clahe" } },
    { name: "mirrored copies", options: { architecture: "F", mirror: true, contrast: "none" } },
    { name: "mirrored copies + CLAHE", options: { architecture: "F", mirror: true, contrast: "clahe" } },
  ];
}

/** Mean, max, min and variance (in percentage points) of a list of accuracies in [0, 1]. */
export function summarise(name: string, accuracies: readonly number[]): ExperimentRow {
  const pct = accuracies.map((a) => a * 100);
  const mean = pct.reduce((a, b) => a + b, 0) / Math.max(pct.length, 1);
  const variance = pct.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(pct.length, 1);
  return { name, runs: pct, mean, max: Math.max(...pct), min: Math.min(...pct), variance };
}

/** Options of {@link runExperimentTable}. */
export interface ExperimentOptions {
  readonly table: ExperimentTable;
  readonly runs: number;
  readonly epochs: number;
  readonly outDir: string;
  readonly batchSize?: number;
  /** Pixel scale of every run (see {@link TrainOptions.pixelScale}); default unit. */
  readonly pixelScale?: TrainOptions["pixelScale"];
  /** Where the softmax rows take their cross-entropy (see {@link TrainOptions.crossEntropy}); squared-hinge rows ignore it. */
  readonly crossEntropy?: TrainOptions["crossEntropy"];
  /** What runs the training steps (see {@link TrainOptions.engine}). */
  readonly engine?: TrainOptions["engine"];
  readonly only?: readonly string[];
  readonly onRow?: (row: ExperimentRow) => void;
  /** Called after every epoch trained (not for runs read back from an earlier start). */
  readonly onEpoch?: TrainOptions["onEpoch"];
  readonly progress?: boolean;
}

/**
 * Trains every configuration of a study table `runs` times (seeds 1..runs; the validation split stays the
 * study's fixed 10% split, seed 42) and reports validation accuracy statistics. Results are written to
 * `outDir/<table>.json` after every row. Every run checkpoints and resumes, so an interrupted table started again with
 * the same options goes on where it stopped (finished runs are read back, not retrained).
 */
export async function runExperimentTable(data: FaceDataset, options: ExperimentOptions): Promise<ExperimentRow[]> {
  const rows: ExperimentRow[] = [];
  const variants = tableVariants(options.table).filter((v) => options.only === undefined || options.only.includes(v.name));
  for (const variant of variants) {
    const accuracies: number[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const result = await trainCnn(data, {
        ...variant.options,
        ...(options.pixelScale !== undefined ? { pixelScale: options.pixelScale } : {}),
        ...(options.crossEntropy !== undefined && ARCHITECTURE_SPECS[variant.options.architecture].output === "softmax" ? { crossEntropy: options.crossEntropy } : {}),
        outDir: join(options.outDir, options.table, variant.name.replace(/[^A-Za-z0-9]+/g, "_"), `run${run}`),
        epochs: options.epochs,
        seed: 42,
        initSeed: run,
        progress: options.progress ?? true,
        resume: true,
        ...(options.onEpoch !== undefined ? { onEpoch: options.onEpoch } : {}),
        ...(options.engine !== undefined ? { engine: options.engine } : {}),
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      });
      accuracies.push(result.card?.metrics.validationAccuracy ?? Number.NaN);
    }
    const row = summarise(variant.name, accuracies);
    rows.push(row);
    options.onRow?.(row);
    await writeFileAtomic(
      join(options.outDir, `${options.table}.json`),
      `${JSON.stringify({ table: options.table, runs: options.runs, epochs: options.epochs, images: data.count, pixelScale: options.pixelScale ?? "unit", crossEntropy: options.crossEntropy ?? "probabilities", rows }, null, 2)}\n`,
    );
  }
  return rows;
}

/** The rows as a Markdown table like the study's. */
export function formatExperimentTable(rows: readonly ExperimentRow[]): string {
  const head = "| configuration | mean | max | min | variance |\n|---|---|---|---|---|";
  return [head, ...rows.map((r) => `| ${r.name} | ${r.mean.toFixed(3)} | ${r.max.toFixed(2)} | ${r.min.toFixed(2)} | ${r.variance.toFixed(3)} |`)].join("\n");
}
