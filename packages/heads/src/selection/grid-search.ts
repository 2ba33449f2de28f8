import { HeadError } from "../core/errors.js";
import type { Head, HeadKind } from "../core/head.js";
import { encodeLabels, checkClasses, type LabelsInput } from "../core/labels.js";
import { selectRows, toFeatureMatrix, type FeaturesInput } from "../core/matrix.js";
import type { ParamValue } from "../core/params.js";
import { ProgressBar, type ProgressSink } from "../core/progress.js";
import { EMOTIONS } from "@fer/preprocess";
import { createHead } from "../registry.js";
import { accuracy } from "./metrics.js";
import { stratifiedKFold } from "./stratified.js";

/** Parameter values to try: every combination (cartesian product) is evaluated. */
export type ParamGrid = Readonly<Record<string, readonly ParamValue[]>>;

/** Options of {@link gridSearch}. */
export interface GridSearchOptions {
  /** Head kind to tune (or give `create`). */
  readonly kind?: HeadKind;
  /** Builds a head from a parameter combination; default `createHead(kind, params)`. */
  readonly create?: (params: Record<string, ParamValue>) => Head;
  /** Parameters shared by all combinations (the grid overrides them). */
  readonly baseParams?: Readonly<Record<string, ParamValue>>;
  readonly grid: ParamGrid;
  /** Number of stratified folds (default 5, like scikit-learn's GridSearchCV). */
  readonly folds?: number;
  /** Seed of the fold assignment (default 0). */
  readonly seed?: number;
  /** Class names y refers to (default EMOTIONS). */
  readonly classes?: readonly string[];
  /** Progress display: a sink, true = a bar on stderr, false = none. Default: a bar when stderr is a terminal. */
  readonly progress?: ProgressSink | boolean;
  /** Also fit the best combination on all the data and return it as `bestHead` (default false). */
  readonly refit?: boolean;
}

/** One evaluated parameter combination. */
export interface GridSearchRow {
  readonly params: Record<string, ParamValue>;
  /** Accuracy on each held-out fold. */
  readonly foldScores: number[];
  readonly meanScore: number;
  readonly stdScore: number;
  readonly meanFitSeconds: number;
  /** Mean seconds to predict one held-out fold. */
  readonly meanScoreSeconds: number;
  /** 1 = best mean score (ties share a rank). */
  readonly rank: number;
}

/** Result of {@link gridSearch}. */
export interface GridSearchResult {
  /** One row per combination, in grid order. */
  readonly rows: GridSearchRow[];
  readonly best: GridSearchRow;
  readonly bestParams: Record<string, ParamValue>;
  /** The best combination fitted on all data, when `refit` was asked. */
  readonly bestHead?: Head;
}

/** Every combination of a grid, in order (the last key varies fastest). */
export function expandGrid(grid: ParamGrid): Record<string, ParamValue>[] {
  let combos: Record<string, ParamValue>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0) throw new HeadError("bad-parameter", `grid.${key} must be a non-empty list of values`);
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos;
}

/**
 * Exhaustive search over a head's parameters with stratified k-fold cross-validation, scored by accuracy
 * (the study's GridSearchCV). Every combination is checked before any training starts, so a typo in the grid
 * fails immediately. Heads are disposed after scoring (WebAssembly memory of SVMs is freed).
 */
export async function gridSearch(X: FeaturesInput, y: LabelsInput, options: GridSearchOptions): Promise<GridSearchResult> {
  const m = toFeatureMatrix(X);
  const classes = options.classes ?? EMOTIONS;
  checkClasses(classes);
  const labels = encodeLabels(y, classes, m.rows);
  const create =
    options.create ??
    ((params: Record<string, ParamValue>) => {
      if (!options.kind) throw new HeadError("bad-parameter", "gridSearch needs `kind` or `create`");
      return createHead(options.kind, params);
    });
  const combos = expandGrid(options.grid).map((c) => ({ ...(options.baseParams ?? {}), ...c }));
  for (const c of combos) create(c).dispose(); // validates every combination up front
  const splits = stratifiedKFold(labels, options.folds ?? 5, options.seed ?? 0);
  const sink: ProgressSink | undefined =
    options.progress === false ? undefined : typeof options.progress === "object" ? options.progress : options.progress === true || process.stderr.isTTY ? new ProgressBar() : undefined;
  const total = combos.length * splits.length;
  let done = 0;
  const partial: Omit<GridSearchRow, "rank">[] = [];
  try {
    for (const params of combos) {
      const scores: number[] = [];
      let fitSeconds = 0;
      let scoreSeconds = 0;
      for (const split of splits) {
        sink?.update(done, total, describeParams(params));
        const head = create(params);
        try {
          const t0 = performance.now();
          await head.fit(selectRows(m, split.train), Array.from(split.train, (i) => labels[i]!), { classes });
          const t1 = performance.now();
          const pred = head.predict(selectRows(m, split.test));
          const t2 = performance.now();
          scores.push(accuracy(pred, Array.from(split.test, (i) => labels[i]!)));
          fitSeconds += (t1 - t0) / 1000;
          scoreSeconds += (t2 - t1) / 1000;
        } finally {
          head.dispose();
        }
        done++;
      }
      const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
      const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
      partial.push({ params, foldScores: scores, meanScore: mean, stdScore: std, meanFitSeconds: fitSeconds / splits.length, meanScoreSeconds: scoreSeconds / splits.length });
    }
    sink?.update(done, total);
  } finally {
    sink?.end();
  }
  const rows: GridSearchRow[] = partial.map((r) => ({ ...r, rank: 1 + partial.filter((o) => o.meanScore > r.meanScore).length }));
  const best = rows.find((r) => r.rank === 1)!;
  let bestHead: Head | undefined;
  if (options.refit) bestHead = await create(best.params).fit(m, labels, { classes });
  return { rows, best, bestParams: best.params, ...(bestHead ? { bestHead } : {}) };
}

function describeParams(p: Record<string, ParamValue>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
}

/** The results as a fixed-width text table (rank, mean ± std accuracy, fit seconds, then the parameters). */
export function formatGridTable(result: GridSearchResult, grid?: ParamGrid): string {
  const keys = grid ? Object.keys(grid) : Object.keys(result.rows[0]?.params ?? {});
  const header = ["rank", "accuracy", "std", "fit s", ...keys];
  const lines = result.rows.map((r) => [
    String(r.rank),
    (r.meanScore * 100).toFixed(2) + "%",
    (r.stdScore * 100).toFixed(2),
    r.meanFitSeconds.toFixed(2),
    ...keys.map((k) => String(r.params[k])),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmtRow = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  return [fmtRow(header), ...lines.map(fmtRow)].join("\n");
}
