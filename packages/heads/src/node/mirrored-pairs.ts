import { MIRROR_ID_SUFFIX } from "@fer/preprocess";
import { HeadError } from "../core/errors.js";
import { selectRows, type FeatureMatrix } from "../core/matrix.js";
import type { FeatureSet } from "./features-file.js";

/** A features set split into its original rows and, row for row, the features of their mirror images. */
export interface MirroredPairs {
  /** The rows whose id has no mirror suffix, in file order (features, labels, ids). */
  readonly original: FeatureSet;
  /** Row i: the features of the mirror image of `original` row i. */
  readonly mirrored: FeatureMatrix;
}

/** Whether the set holds mirrored copies (ids ending in `#mirror`, as `fer features --mirror` writes them). */
export function hasMirroredRows(set: FeatureSet): boolean {
  return set.ids?.some((id) => id.endsWith(MIRROR_ID_SUFFIX)) ?? false;
}

/**
 * Pairs every row of a features set written with mirrored copies (`fer features --mirror`: ids `x` and `x#mirror`)
 * with its mirror, for mirror averaging at test time. Throws `bad-format` when the set has no ids, or an image
 * lacks its mirror (or a mirror its image), or an id repeats.
 */
export function pairMirroredRows(set: FeatureSet, what = "features"): MirroredPairs {
  const ids = set.ids;
  if (ids === undefined) throw new HeadError("bad-format", `${what} have no ids: cannot pair images with their mirror images (write them with fer features --mirror)`);
  const rowOf = new Map<string, number>();
  ids.forEach((id, row) => {
    if (rowOf.has(id)) throw new HeadError("bad-format", `${what}: id ${JSON.stringify(id)} appears twice`);
    rowOf.set(id, row);
  });
  const originals: number[] = [];
  const mirrors: number[] = [];
  ids.forEach((id, row) => {
    if (id.endsWith(MIRROR_ID_SUFFIX)) {
      if (!rowOf.has(id.slice(0, -MIRROR_ID_SUFFIX.length))) throw new HeadError("bad-format", `${what}: ${JSON.stringify(id)} has no original`);
      return;
    }
    const mirror = rowOf.get(id + MIRROR_ID_SUFFIX);
    if (mirror === undefined) throw new HeadError("bad-format", `${what}: ${JSON.stringify(id)} has no mirrored copy (write the features with fer features --mirror)`);
    originals.push(row);
    mirrors.push(mirror);
  });
  const original: FeatureSet = {
    ...set,
    features: selectRows(set.features, originals),
    labels: Uint8Array.from(originals, (r) => set.labels[r]!),
    ids: originals.map((r) => ids[r]!),
  };
  return { original, mirrored: selectRows(set.features, mirrors) };
}
