import { HeadError } from "./core/errors.js";
import { checkSavedHead, type Head, type HeadKind } from "./core/head.js";
import type { ParamSpec, ParamValue } from "./core/params.js";
import { RandomForestHead } from "./forest/forest-head.js";
import { KnnHead } from "./knn/knn-head.js";
import { CnnOutputHead } from "./softmax/cnn-output-head.js";
import { SoftmaxHead } from "./softmax/softmax-head.js";
import { BaggingSvmHead } from "./svm/bagging-svm-head.js";
import { SvmHead } from "./svm/svm-head.js";

/** Every head kind this package provides. */
export const HEAD_KINDS: readonly HeadKind[] = ["softmax", "cnn-output", "svm", "random-forest", "knn", "bagging-svm"];

/** Head kinds that `createHead` can build untrained (all but the CNN-output adapter, which needs the CNN's weights). */
export const TRAINABLE_HEAD_KINDS: readonly HeadKind[] = ["softmax", "svm", "random-forest", "knn", "bagging-svm"];

/** Parameter specifications of each head kind. */
export const HEAD_PARAM_SPECS: Readonly<Record<HeadKind, readonly ParamSpec[]>> = {
  softmax: SoftmaxHead.specs,
  "cnn-output": CnnOutputHead.specs,
  svm: SvmHead.specs,
  "random-forest": RandomForestHead.specs,
  knn: KnnHead.specs,
  "bagging-svm": BaggingSvmHead.specs,
};

/** Whether `kind` names a head kind. */
export function isHeadKind(kind: string): kind is HeadKind {
  return (HEAD_KINDS as readonly string[]).includes(kind);
}

/**
 * A new, unfitted head of `kind` with `params` (checked; unknown names or bad values throw `bad-parameter`).
 * This is the swap point: code written against {@link Head} works with any kind.
 */
export function createHead(kind: HeadKind | string, params: Record<string, ParamValue> = {}): Head {
  switch (kind) {
    case "softmax":
      return new SoftmaxHead(params);
    case "svm":
      return new SvmHead(params);
    case "random-forest":
      return new RandomForestHead(params);
    case "knn":
      return new KnnHead(params);
    case "bagging-svm":
      return new BaggingSvmHead(params);
    case "cnn-output":
      throw new HeadError("not-trainable", "cnn-output heads are built from a CNN's weights: use CnnOutputHead.fromDense()");
    default:
      throw new HeadError("bad-parameter", `unknown head kind "${kind}" (known: ${HEAD_KINDS.join(", ")})`);
  }
}

/**
 * Restores any head from its `toJSON()` document. Throws `version-mismatch` for a head saved by another format
 * version and `bad-format` for a malformed one; nothing is allocated unless the whole document is valid.
 */
export async function headFromJSON(json: unknown): Promise<Head> {
  const saved = checkSavedHead(json);
  switch (saved.kind) {
    case "softmax":
      return SoftmaxHead.fromJSON(saved);
    case "cnn-output":
      return CnnOutputHead.fromJSON(saved);
    case "svm":
      return SvmHead.fromJSON(saved);
    case "random-forest":
      return RandomForestHead.fromJSON(saved);
    case "knn":
      return KnnHead.fromJSON(saved);
    case "bagging-svm":
      return BaggingSvmHead.fromJSON(saved);
    default:
      throw new HeadError("bad-format", `saved head has unknown kind ${JSON.stringify(saved.kind)}`);
  }
}
