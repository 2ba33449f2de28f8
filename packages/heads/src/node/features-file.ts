import { readFile } from "node:fs/promises";
import path from "node:path";
import { HeadError } from "../core/errors.js";
import { checkClasses } from "../core/labels.js";
import { assertFinite, type FeatureMatrix } from "../core/matrix.js";
import { writeFilesAtomically } from "@fer/preprocess/node";

/** Version of the features-file format written by {@link writeFeatures}. */
export const FEATURES_FORMAT_VERSION = 1;

/**
 * A labelled set of feature vectors, as stored in a features file
 * (e.g. written by `@fer/cnn` from a dense layer of a trained model).
 */
export interface FeatureSet {
  /** N x D features. */
  readonly features: FeatureMatrix;
  /** N class indices into `classes`. */
  readonly labels: Uint8Array;
  /** Class names (normally the canonical `EMOTIONS`). */
  readonly classes: readonly string[];
  /** Optional stable id per vector (e.g. the image path relative to the dataset root). */
  readonly ids?: readonly string[];
  /** Optional free text saying where the features come from (e.g. `"cnn F dense1, fer2013/train"`). */
  readonly source?: string;
  /**
   * Optional identity of the model that computed the features (e.g. `{ name: "cnn F", layer: "dense1", model:
   * "<card createdAt>" }`). A head fitted on them records it, so that a pipeline can refuse another model's features.
   */
  readonly featuriser?: FeaturiserId;
}

/** Which model (and layer) computed a set of features: free string fields, compared as a whole. */
export type FeaturiserId = Readonly<Record<string, string>>;

/** Whether `x` is a {@link FeaturiserId}: an object of string fields. */
export function isFeaturiserId(x: unknown): x is FeaturiserId {
  return typeof x === "object" && x !== null && !Array.isArray(x) && Object.values(x).every((v) => typeof v === "string");
}

/** Whether two featuriser ids name the same model and layer (both absent counts as the same). */
export function sameFeaturiser(a: FeaturiserId | undefined, b: FeaturiserId | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

/**
 * Throws `featuriser-mismatch` unless every named features set comes from the same featuriser: a head fitted on
 * one model's features and scored on another's would measure nothing.
 */
export function assertSameFeaturiser(sets: Readonly<Record<string, FeatureSet>>): void {
  const entries = Object.entries(sets);
  const [firstName, first] = entries[0] ?? [];
  for (const [name, set] of entries.slice(1)) {
    if (!sameFeaturiser(first?.featuriser, set.featuriser)) {
      throw new HeadError(
        "featuriser-mismatch",
        `${firstName} features come from ${JSON.stringify(first?.featuriser ?? "an unnamed featuriser")}, ${name} features from ${JSON.stringify(set.featuriser ?? "an unnamed featuriser")}`,
      );
    }
  }
}

/**
 * The JSON half of a features file. The other half, `data` (a file name relative to the JSON file),
 * holds `count * dim` little-endian float32 values, row-major (row i = feature vector i).
 */
export interface FeaturesFileHeader {
  readonly format: "fer-features";
  readonly version: number;
  readonly count: number;
  readonly dim: number;
  readonly dtype: "float32";
  readonly byteOrder: "little";
  readonly data: string;
  readonly classes: readonly string[];
  readonly labels: readonly number[];
  readonly ids?: readonly string[];
  readonly source?: string;
  readonly featuriser?: FeaturiserId;
}

/** The `.json` and `.bin` paths of a features file given either one (or the base path without extension). */
export function featuresFilePaths(file: string): { json: string; bin: string } {
  const base = file.endsWith(".json") || file.endsWith(".bin") ? file.slice(0, file.lastIndexOf(".")) : file;
  return { json: `${base}.json`, bin: `${base}.bin` };
}

/**
 * Writes a {@link FeatureSet} as `<base>.json` (header, labels, classes, ids) + `<base>.bin` (float32 features).
 * `file` may be the .json path, the .bin path or the base path. The set is validated first and both files are
 * written atomically, so a bad set or a failed write leaves no half-written file.
 */
export async function writeFeatures(file: string, set: FeatureSet): Promise<void> {
  const { json, bin } = featuresFilePaths(file);
  const { features, labels, classes } = set;
  if (features.rows <= 0 || features.cols <= 0 || features.data.length !== features.rows * features.cols) {
    throw new HeadError("bad-shape", `features must be a non-empty rows x cols matrix`);
  }
  assertFinite(features, "features");
  checkClasses(classes);
  if (labels.length !== features.rows) {
    throw new HeadError("bad-shape", `${features.rows} feature vectors but ${labels.length} labels`);
  }
  labels.forEach((l, i) => {
    if (l >= classes.length) throw new HeadError("unknown-label", `labels[${i}] = ${l} is not an index into ${classes.length} classes`);
  });
  if (set.ids !== undefined && set.ids.length !== features.rows) {
    throw new HeadError("bad-shape", `${features.rows} feature vectors but ${set.ids.length} ids`);
  }
  const header: FeaturesFileHeader = {
    format: "fer-features",
    version: FEATURES_FORMAT_VERSION,
    count: features.rows,
    dim: features.cols,
    dtype: "float32",
    byteOrder: "little",
    data: path.basename(bin),
    classes: [...classes],
    labels: Array.from(labels),
    ...(set.ids !== undefined ? { ids: [...set.ids] } : {}),
    ...(set.source !== undefined ? { source: set.source } : {}),
    ...(set.featuriser !== undefined ? { featuriser: { ...set.featuriser } } : {}),
  };
  const bytes = new Uint8Array(features.data.buffer, features.data.byteOffset, features.data.byteLength);
  await writeFilesAtomically([
    { path: bin, data: bytes },
    { path: json, data: JSON.stringify(header) },
  ]);
}

/**
 * Reads a features file written by {@link writeFeatures} (`file`: the .json, the .bin or the base path).
 * Throws `bad-format` for a malformed or truncated file, `version-mismatch` for another format version.
 */
export async function readFeatures(file: string): Promise<FeatureSet> {
  const { json } = featuresFilePaths(file);
  let header: Partial<FeaturesFileHeader>;
  try {
    header = JSON.parse(await readFile(json, "utf8")) as Partial<FeaturesFileHeader>;
  } catch (e) {
    throw new HeadError("bad-format", `${json}: cannot read features header: ${(e as Error).message}`, { cause: e });
  }
  if (header === null || typeof header !== "object" || header.format !== "fer-features") {
    throw new HeadError("bad-format", `${json}: not a features file (format must be "fer-features")`);
  }
  if (header.version !== FEATURES_FORMAT_VERSION) {
    throw new HeadError("version-mismatch", `${json}: features format version ${JSON.stringify(header.version)}, expected ${FEATURES_FORMAT_VERSION}`);
  }
  const { count, dim, labels, classes } = header;
  if (!Number.isInteger(count) || !Number.isInteger(dim) || (count as number) <= 0 || (dim as number) <= 0) {
    throw new HeadError("bad-format", `${json}: count and dim must be positive integers`);
  }
  if (header.dtype !== "float32" || header.byteOrder !== "little" || typeof header.data !== "string") {
    throw new HeadError("bad-format", `${json}: only little-endian float32 data files are supported`);
  }
  if (!Array.isArray(classes)) throw new HeadError("bad-format", `${json}: classes missing`);
  try {
    checkClasses(classes);
  } catch (e) {
    throw new HeadError("bad-format", `${json}: ${(e as Error).message}`);
  }
  if (!Array.isArray(labels) || labels.length !== count) throw new HeadError("bad-format", `${json}: expected ${count} labels`);
  const lab = new Uint8Array(count as number);
  for (let i = 0; i < lab.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || (l as number) < 0 || (l as number) >= classes.length) {
      throw new HeadError("bad-format", `${json}: labels[${i}] = ${JSON.stringify(l)} is not a class index`);
    }
    lab[i] = l as number;
  }
  if (header.ids !== undefined && (!Array.isArray(header.ids) || header.ids.length !== count)) {
    throw new HeadError("bad-format", `${json}: expected ${count} ids`);
  }
  if (header.featuriser !== undefined && !isFeaturiserId(header.featuriser)) {
    throw new HeadError("bad-format", `${json}: featuriser must be an object of strings`);
  }
  const binPath = path.resolve(path.dirname(json), header.data);
  let buf: Buffer;
  try {
    buf = await readFile(binPath);
  } catch (e) {
    throw new HeadError("bad-format", `${binPath}: cannot read features data: ${(e as Error).message}`, { cause: e });
  }
  const expected = (count as number) * (dim as number) * 4;
  if (buf.byteLength !== expected) {
    throw new HeadError("bad-format", `${binPath}: ${buf.byteLength} bytes, expected ${expected} (${count} x ${dim} float32); truncated or wrong file`);
  }
  const data = new Float32Array(count! * dim!);
  new Uint8Array(data.buffer).set(buf);
  const features: FeatureMatrix = { rows: count as number, cols: dim as number, data };
  assertFinite(features, `${binPath} features`);
  return {
    features,
    labels: lab,
    classes: [...classes],
    ...(header.ids !== undefined ? { ids: [...header.ids] } : {}),
    ...(header.source !== undefined ? { source: header.source } : {}),
    ...(header.featuriser !== undefined ? { featuriser: header.featuriser } : {}),
  };
}
