import { EMOTIONS } from "@fer/preprocess";
import { decodeArray, type EncodedArray } from "../core/binary.js";
import { HeadError } from "../core/errors.js";
import type { Head } from "../core/head.js";
import { checkClasses, encodeLabels, type LabelsInput } from "../core/labels.js";
import { SoftmaxHead } from "../softmax/softmax-head.js";

/** Version of the saved stacking head (`format: "fer-stacking"`). */
export const STACKING_FORMAT_VERSION = 1;

/**
 * One member of a stack: a name for people and a fingerprint of exactly what produced its probabilities (for a head,
 * {@link headFingerprint}; for a pipeline member, the fingerprints of its featuriser's weights and head).
 */
export interface StackMember {
  readonly name: string;
  readonly fingerprint: string;
}

/** One member's probabilities for a batch of faces (rows: faces, columns: the stack's classes). */
export interface MemberProbabilities {
  readonly member: StackMember;
  readonly probabilities: readonly (readonly number[])[];
}

/** The saved form of a {@link StackingHead}. */
export interface SavedStackingHead {
  readonly format: "fer-stacking";
  readonly version: number;
  readonly classes: readonly string[];
  readonly members: readonly StackMember[];
  /** classes x (members x classes) logistic weights on the members' log-probabilities, row-major, and one bias per class. */
  readonly weights: readonly number[];
  readonly bias: readonly number[];
  readonly fittedOn?: string;
}

/** Log-probabilities are floored at this before the logistic model (a member's 0 would be -Infinity). */
const LOG_FLOOR = 1e-6;

/**
 * 64-bit FNV-1a of a string, as 16 hex digits: an identity check (not a security one) for what a member computes.
 */
export function fingerprintText(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c ^ (h1 >>> 7), 0x01000193) >>> 0;
  }
  return h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0");
}

/** Fingerprint of a fitted head: its saved document, calibration included (another calibration is another member). */
export function headFingerprint(head: Head): string {
  return fingerprintText(JSON.stringify(head.toJSON()));
}

/**
 * Stacking: a small multinomial logistic regression over the members' class probabilities (their logs, floored at
 * 1e-6), fitted on held-out predictions of every member (faces none of them trained on). It remembers which members
 * it was fitted on, in which order, and refuses any other input: a stack is only meaningful on its own members.
 */
export class StackingHead {
  readonly classes: readonly string[];
  readonly members: readonly StackMember[];
  private readonly weights: Float64Array;
  private readonly bias: Float64Array;
  readonly fittedOn: string | undefined;

  private constructor(classes: readonly string[], members: readonly StackMember[], weights: Float64Array, bias: Float64Array, fittedOn?: string) {
    this.classes = classes;
    this.members = members;
    this.weights = weights;
    this.bias = bias;
    this.fittedOn = fittedOn;
  }

  /**
   * Fits the stack on held-out member probabilities (`inputs`: one entry per member, same faces in the same order)
   * and their `labels`. `l2` is the logistic model's penalty on the mean cross-entropy (default 1e-3).
   * @throws {HeadError} `bad-shape` for no member, two members with one fingerprint, or row / column counts that differ.
   */
  static async fit(inputs: readonly MemberProbabilities[], labels: LabelsInput, options: { classes?: readonly string[]; l2?: number; fittedOn?: string } = {}): Promise<StackingHead> {
    if (inputs.length === 0) throw new HeadError("bad-shape", "a stack needs at least one member");
    const fingerprints = new Set(inputs.map((m) => m.member.fingerprint));
    if (fingerprints.size !== inputs.length) throw new HeadError("bad-shape", "two stack members have the same fingerprint");
    const classes = options.classes ?? EMOTIONS;
    checkClasses(classes);
    const n = inputs[0]!.probabilities.length;
    const y = encodeLabels(labels, classes, n);
    const x = stackInputs(inputs.map((m) => m.probabilities), classes.length, n);
    const lr = new SoftmaxHead({ l2: options.l2 ?? 1e-3, standardize: false, maxIter: 1000 });
    await lr.fit(x, y, { classes });
    const model = lr.toJSON().model as { weights: EncodedArray; bias: EncodedArray };
    const members = inputs.map((m) => ({ name: m.member.name, fingerprint: m.member.fingerprint }));
    return new StackingHead([...classes], members, decodeArray(model.weights, "float64", "stack weights"), decodeArray(model.bias, "float64", "stack bias"), options.fittedOn);
  }

  /**
   * The stack's probabilities (rows sum to 1) from its members' probabilities for the same faces.
   * @throws {HeadError} `member-mismatch` unless the inputs are exactly the members it was fitted on, in that order
   *   (same fingerprints); `bad-shape` when their row or column counts differ.
   */
  predictProba(inputs: readonly MemberProbabilities[]): number[][] {
    this.assertMembers(inputs.map((m) => m.member));
    const k = this.classes.length;
    const n = inputs[0]?.probabilities.length ?? 0;
    const x = stackInputs(inputs.map((m) => m.probabilities), k, n);
    const d = x.cols;
    const out: number[][] = [];
    for (let i = 0; i < n; i++) {
      const z = new Array<number>(k);
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = this.bias[c]!;
        for (let j = 0; j < d; j++) s += this.weights[c * d + j]! * x.data[i * d + j]!;
        z[c] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += z[c] = Math.exp(z[c]! - max);
      out.push(z.map((v) => v / sum));
    }
    return out;
  }

  /** Throws `member-mismatch` unless `members` are this stack's members in order (by fingerprint). */
  assertMembers(members: readonly StackMember[]): void {
    const want = this.members.map((m) => `${m.name} (${m.fingerprint})`).join(", ");
    const got = members.map((m) => `${m.name} (${m.fingerprint})`).join(", ");
    if (members.length !== this.members.length || members.some((m, i) => m.fingerprint !== this.members[i]!.fingerprint)) {
      throw new HeadError("member-mismatch", `this stack was fitted on the members ${want}, not ${got}: refit the stack on held-out predictions of these members`);
    }
  }

  /** The saved form (restore it with {@link StackingHead.fromJSON}). */
  toJSON(): SavedStackingHead {
    return {
      format: "fer-stacking",
      version: STACKING_FORMAT_VERSION,
      classes: [...this.classes],
      members: this.members.map((m) => ({ ...m })),
      weights: Array.from(this.weights),
      bias: Array.from(this.bias),
      ...(this.fittedOn !== undefined ? { fittedOn: this.fittedOn } : {}),
    };
  }

  /** Restores a stack saved by {@link StackingHead.toJSON}; `bad-format` / `version-mismatch` for a bad document. */
  static fromJSON(json: unknown): StackingHead {
    const s = json as Partial<SavedStackingHead> | null;
    if (s === null || typeof s !== "object" || s.format !== "fer-stacking") throw new HeadError("bad-format", 'not a saved stacking head (missing format: "fer-stacking")');
    if (s.version !== STACKING_FORMAT_VERSION) throw new HeadError("version-mismatch", `saved stacking head has version ${JSON.stringify(s.version)}, this @fer/heads reads ${STACKING_FORMAT_VERSION}`);
    if (!Array.isArray(s.classes) || !Array.isArray(s.members) || s.members.length === 0) throw new HeadError("bad-format", "saved stacking head has no classes or members");
    checkClasses(s.classes);
    if (!s.members.every((m) => typeof m?.name === "string" && typeof m?.fingerprint === "string")) throw new HeadError("bad-format", "saved stacking head: malformed member");
    const k = s.classes.length;
    const d = s.members.length * k;
    const ok = (a: unknown, len: number): a is number[] => Array.isArray(a) && a.length === len && a.every((v) => typeof v === "number" && Number.isFinite(v));
    if (!ok(s.weights, k * d) || !ok(s.bias, k)) throw new HeadError("bad-format", `saved stacking head: weights must be ${k} x ${d} and bias ${k} finite numbers`);
    return new StackingHead([...s.classes], s.members.map((m) => ({ name: m.name, fingerprint: m.fingerprint })), Float64Array.from(s.weights), Float64Array.from(s.bias), typeof s.fittedOn === "string" ? s.fittedOn : undefined);
  }
}

/** N x (members x k) floored log-probabilities, checking every member gives n rows of k values. */
function stackInputs(probs: readonly (readonly (readonly number[])[])[], k: number, n: number): { rows: number; cols: number; data: Float32Array } {
  const d = probs.length * k;
  const data = new Float32Array(n * d);
  probs.forEach((rows, m) => {
    if (rows.length !== n) throw new HeadError("bad-shape", `stack member ${m} gives ${rows.length} rows, member 0 gives ${n}`);
    rows.forEach((row, i) => {
      if (row.length !== k) throw new HeadError("bad-shape", `stack member ${m} gives ${row.length} classes, the stack has ${k}`);
      for (let c = 0; c < k; c++) data[i * d + m * k + c] = Math.log(Math.max(row[c]!, LOG_FLOOR));
    });
  });
  return { rows: n, cols: d, data };
}
