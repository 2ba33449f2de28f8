import { HeadError } from "./errors.js";

/** A JSON-safe parameter value. */
export type ParamValue = number | string | boolean | null;

/** Description of one head parameter: its meaning, default and accepted values. */
export interface ParamSpec {
  readonly name: string;
  /** What the parameter does, in one sentence. */
  readonly description: string;
  readonly default: ParamValue;
  /** Human-readable accepted values, e.g. `"integer >= 1"` or `"'uniform' | 'distance'"`. */
  readonly accepts: string;
  /** Returns an error message when `v` is not acceptable, otherwise undefined. */
  readonly check: (v: unknown) => string | undefined;
}

/** Checks `params` against `specs` (unknown names and bad values throw `bad-parameter`) and fills in defaults. */
export function resolveParams<P>(kind: string, specs: readonly ParamSpec[], params: object | undefined): P {
  const input = (params ?? {}) as Record<string, unknown>;
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new HeadError("bad-parameter", `${kind}: params must be an object`);
  }
  const known = new Set(specs.map((s) => s.name));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) {
      throw new HeadError("bad-parameter", `${kind}: unknown parameter "${key}" (known: ${[...known].join(", ")})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const s of specs) {
    const v = input[s.name] === undefined ? s.default : input[s.name];
    const problem = s.check(v);
    if (problem !== undefined) {
      throw new HeadError("bad-parameter", `${kind}: ${s.name} = ${JSON.stringify(v)} is invalid: ${problem} (accepts ${s.accepts})`);
    }
    out[s.name] = v;
  }
  return out as P;
}

/** Check helpers for {@link ParamSpec.check}. */
export const is = {
  /** An integer in [min, max]. */
  int(min: number, max = Number.MAX_SAFE_INTEGER) {
    return (v: unknown) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : `must be an integer in [${min}, ${max}]`);
  },
  /** A finite number in [min, max] (or (min, max] with `exclusiveMin`). */
  num(min: number, max = Infinity, exclusiveMin = false) {
    return (v: unknown) =>
      typeof v === "number" && Number.isFinite(v) && (exclusiveMin ? v > min : v >= min) && v <= max
        ? undefined
        : `must be a number ${exclusiveMin ? ">" : ">="} ${min}${max < Infinity ? ` and <= ${max}` : ""}`;
  },
  bool() {
    return (v: unknown) => (typeof v === "boolean" ? undefined : "must be true or false");
  },
  oneOf(values: readonly ParamValue[]) {
    return (v: unknown) => (values.includes(v as ParamValue) ? undefined : `must be one of ${values.map((x) => JSON.stringify(x)).join(", ")}`);
  },
  /** Accepts when any of the checks accepts. */
  anyOf(...checks: ((v: unknown) => string | undefined)[]) {
    return (v: unknown) => {
      const problems = checks.map((c) => c(v));
      return problems.some((p) => p === undefined) ? undefined : problems.join(", or ");
    };
  },
};
