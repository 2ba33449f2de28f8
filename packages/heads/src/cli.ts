/**
 * Command-line entry points of @fer/heads, wired into the `fer` command by @fer/pipeline:
 * `fer fit-head` ({@link fitHead}) and `fer grid-search` ({@link gridSearch}). Each takes argv (without the
 * command name) and resolves to an exit code: 0 success, 1 failure (bad data, ...), 2 usage error.
 */
import { writeFileAtomic } from "@fer/preprocess/node";
import { parseArgs } from "node:util";
import { HeadError } from "./core/errors.js";
import type { HeadKind } from "./core/head.js";
import type { ParamValue } from "./core/params.js";
import { assertSameFeaturiser, readFeatures } from "./node/features-file.js";
import { saveHead } from "./node/head-file.js";
import { createHead, HEAD_PARAM_SPECS, isHeadKind, TRAINABLE_HEAD_KINDS } from "./registry.js";
import { formatGridTable, gridSearch as runGridSearch, type ParamGrid } from "./selection/grid-search.js";
import { accuracy } from "./selection/metrics.js";

class UsageError extends Error {}

const FIT_USAGE = `usage: fer fit-head --features <train.json> --kind <${TRAINABLE_HEAD_KINDS.join("|")}> --out <head.json[.gz]>
                    [--param name=value ...] [--params '<json object>'] [--test <test.json>]
  Fits a head on a features file (see writeFeatures in @fer/heads/node) and saves it.
  --param values are JSON (numbers, true/false, null, "strings") or bare strings, e.g. --param k=45 --param weights=distance
  --test  also prints the accuracy on another features file.
  --describe  prints the kind's parameters and exits.`;

const GRID_USAGE = `usage: fer grid-search --features <train.json> --kind <kind> --grid '<json: {"param": [values...]}>'
                       [--param name=value ...] [--folds 5] [--seed 0] [--out results.json] [--refit head.json]
  Stratified k-fold cross-validation over every combination of the grid (accuracy), with a progress bar.
  Prints the results table and the best parameters; --out writes them as JSON, --refit fits the best on all data and saves it.`;

function parseParamValue(v: string): ParamValue {
  try {
    const parsed = JSON.parse(v) as unknown;
    if (parsed === null || ["number", "string", "boolean"].includes(typeof parsed)) return parsed as ParamValue;
  } catch {
    // a bare string
  }
  return v;
}

function collectParams(list: string[] | undefined, json: string | undefined): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  if (json !== undefined) {
    let obj: unknown;
    try {
      obj = JSON.parse(json);
    } catch {
      throw new UsageError(`--params is not valid JSON: ${json}`);
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new UsageError("--params must be a JSON object");
    Object.assign(params, obj);
  }
  for (const item of list ?? []) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError(`--param expects name=value, got "${item}"`);
    params[item.slice(0, eq)] = parseParamValue(item.slice(eq + 1));
  }
  return params;
}

function requireKind(kind: string | undefined): HeadKind {
  if (kind === undefined) throw new UsageError("--kind is required");
  if (!isHeadKind(kind) || !TRAINABLE_HEAD_KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${TRAINABLE_HEAD_KINDS.join(", ")}`);
  return kind;
}

async function run(usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`${(e as Error).message}\n${usage}\n`);
      return 2;
    }
    if (e instanceof HeadError) {
      process.stderr.write(`error (${e.kind}): ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

/** `fer fit-head`: fits a head of any kind on a features file and saves it. */
export async function fitHead(argv: string[]): Promise<number> {
  return run(FIT_USAGE, async () => {
    const { values } = parseArgs({
      args: argv,
      options: {
        features: { type: "string" },
        kind: { type: "string" },
        out: { type: "string" },
        param: { type: "string", multiple: true },
        params: { type: "string" },
        test: { type: "string" },
        describe: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${FIT_USAGE}\n`);
      return 0;
    }
    const kind = requireKind(values.kind);
    if (values.describe) {
      const specs = HEAD_PARAM_SPECS[kind];
      for (const s of specs) process.stdout.write(`${s.name} (default ${JSON.stringify(s.default)}; ${s.accepts}): ${s.description}\n`);
      return 0;
    }
    if (!values.features) throw new UsageError("--features is required");
    if (!values.out) throw new UsageError("--out is required");
    const params = collectParams(values.param, values.params);
    const head = createHead(kind, params);
    const train = await readFeatures(values.features);
    process.stderr.write(`fitting ${kind} on ${train.features.rows} x ${train.features.cols} features...\n`);
    const t0 = performance.now();
    await head.fit(train.features, train.labels, { classes: train.classes });
    const fitSeconds = (performance.now() - t0) / 1000;
    const test = values.test ? await readFeatures(values.test) : undefined;
    if (test) assertSameFeaturiser({ "--features": train, "--test": test });
    const bytes = await saveHead(head, values.out, { featuriser: train.featuriser });
    process.stdout.write(`${kind} fitted in ${fitSeconds.toFixed(2)} s, saved to ${values.out} (${(bytes / 1e6).toFixed(2)} MB)\n`);
    process.stdout.write(`params: ${JSON.stringify(head.params)}\n`);
    if (test) {
      const t1 = performance.now();
      const pred = head.predict(test.features);
      const perFace = (performance.now() - t1) / test.features.rows;
      process.stdout.write(`test accuracy ${(accuracy(pred, test.labels) * 100).toFixed(2)}% on ${test.features.rows} (${perFace.toFixed(3)} ms/face)\n`);
    }
    head.dispose();
    return 0;
  });
}

/** `fer grid-search`: stratified k-fold grid search over a head's parameters on a features file. */
export async function gridSearch(argv: string[]): Promise<number> {
  return run(GRID_USAGE, async () => {
    const { values } = parseArgs({
      args: argv,
      options: {
        features: { type: "string" },
        kind: { type: "string" },
        grid: { type: "string" },
        param: { type: "string", multiple: true },
        params: { type: "string" },
        folds: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        refit: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${GRID_USAGE}\n`);
      return 0;
    }
    const kind = requireKind(values.kind);
    if (!values.features) throw new UsageError("--features is required");
    if (!values.grid) throw new UsageError("--grid is required");
    let grid: ParamGrid;
    try {
      grid = JSON.parse(values.grid) as ParamGrid;
    } catch {
      throw new UsageError(`--grid is not valid JSON: ${values.grid}`);
    }
    if (grid === null || typeof grid !== "object" || Array.isArray(grid)) throw new UsageError("--grid must be a JSON object of value lists");
    const folds = values.folds === undefined ? 5 : Number(values.folds);
    const seed = values.seed === undefined ? 0 : Number(values.seed);
    if (!Number.isInteger(folds) || folds < 2) throw new UsageError("--folds must be an integer >= 2");
    if (!Number.isInteger(seed)) throw new UsageError("--seed must be an integer");
    const train = await readFeatures(values.features);
    const result = await runGridSearch(train.features, train.labels, {
      kind,
      baseParams: collectParams(values.param, values.params),
      grid,
      folds,
      seed,
      classes: train.classes,
      progress: true,
      refit: values.refit !== undefined,
    });
    process.stdout.write(`${formatGridTable(result, grid)}\n`);
    process.stdout.write(`best (${(result.best.meanScore * 100).toFixed(2)}% mean ${folds}-fold accuracy): ${JSON.stringify(result.bestParams)}\n`);
    if (values.out) await writeFileAtomic(values.out, JSON.stringify({ kind, folds, seed, grid, rows: result.rows, bestParams: result.bestParams }, null, 2));
    if (values.refit && result.bestHead) {
      const bytes = await saveHead(result.bestHead, values.refit, { featuriser: train.featuriser });
      process.stdout.write(`best head refitted on all ${train.features.rows} vectors, saved to ${values.refit} (${(bytes / 1e6).toFixed(2)} MB)\n`);
      result.bestHead.dispose();
    }
    return 0;
  });
}
