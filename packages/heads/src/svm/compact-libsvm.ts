import { HeadError } from "../core/errors.js";
import { base64ToFloat32, base64ToUint8, float32ToBase64, uint8ToBase64 } from "../core/float-codec.js";
import { restoreLibsvm, type TrainedSvm } from "./libsvm-model.js";

/**
 * How support vectors are stored: float32, or integer codes on a per-feature grid between the feature's min and
 * max (uint16: 65,536 levels, 2x smaller; uint8: 256 levels, 4x smaller).
 */
export type VectorEncoding = "float32" | "uint16" | "uint8";

/** Per-feature integer codes: value = min[j] + code * step[j]; `codes` holds little-endian uint8 or uint16. */
interface QuantisedVectors {
  readonly min: string;
  readonly step: string;
  readonly codes: string;
}

/**
 * A libsvm C-SVC model with its support vectors in binary: libsvm's text header (kernel, gamma, rho, labels,
 * probability sigmoids) as text, the dual coefficients as float32 and the dense support vectors as float32 or
 * integer codes, in base64. A third (float32) to a tenth (uint8) of the size of libsvm's text, which prints every
 * value as "index:value".
 */
export interface CompactLibsvm {
  /** libsvm's header lines, up to and including the line "SV". */
  readonly header: string;
  readonly supportVectors: number;
  /** Dual coefficients per support vector (number of classes - 1). */
  readonly coefficientsPerVector: number;
  /** supportVectors x coefficientsPerVector, row-major, float32 base64. */
  readonly coefficients: string;
  /**
   * supportVectors x dim, row-major (dense: libsvm's omitted zeros are zeros): float32 base64, or per-feature
   * integer codes (absent encoding = float32, as first written).
   */
  readonly vectors: string | QuantisedVectors;
  readonly encoding?: VectorEncoding;
}

const bad = (why: string): never => {
  throw new HeadError("bad-format", `svm: libsvm model is malformed (${why})`);
};

/**
 * Splits libsvm's text model (features 1..dim) into the compact form. With `uint16` or `uint8`, each feature's
 * support-vector values are rounded to 65,536 or 256 levels between their min and max (error at most half a
 * step); the model to use is then the one {@link expandLibsvm} gives back, not the original.
 */
export function compactLibsvm(text: string, dim: number, encoding: VectorEncoding = "float32"): CompactLibsvm {
  const svAt = text.indexOf("\nSV\n");
  if (!text.startsWith("svm_type c_svc") || svAt < 0) bad("not a c_svc model");
  const header = text.slice(0, svAt + 4);
  const nrClass = Number(/\nnr_class (\d+)/.exec(header)?.[1]);
  const total = Number(/\ntotal_sv (\d+)/.exec(header)?.[1]);
  if (!(nrClass >= 2) || !Number.isInteger(total)) bad("no nr_class or total_sv line");
  const per = nrClass - 1;
  const coefficients = new Float32Array(total * per);
  const vectors = new Float32Array(total * dim);
  let row = 0;
  for (const line of text.slice(svAt + 4).split("\n")) {
    if (line.trim().length === 0) continue;
    if (row >= total) bad(`more than ${total} support vectors`);
    const tokens = line.trim().split(/\s+/);
    if (tokens.length < per) bad("short support-vector line");
    for (let c = 0; c < per; c++) coefficients[row * per + c] = Number(tokens[c]);
    for (let t = per; t < tokens.length; t++) {
      const token = tokens[t]!;
      const colon = token.indexOf(":");
      const index = Number(token.slice(0, colon));
      if (colon < 0 || !Number.isInteger(index) || index < 1 || index > dim) bad(`feature ${token} outside 1..${dim}`);
      vectors[row * dim + index - 1] = Number(token.slice(colon + 1));
    }
    row++;
  }
  if (row !== total) bad(`expected ${total} support vectors, found ${row}`);
  const base = { header, supportVectors: total, coefficientsPerVector: per, coefficients: float32ToBase64(coefficients) };
  return encoding === "float32" ? { ...base, vectors: float32ToBase64(vectors) } : { ...base, encoding, vectors: quantise(vectors, total, dim, LEVELS[encoding]) };
}

const LEVELS = { uint16: 65535, uint8: 255 } as const;

function quantise(vectors: Float32Array, n: number, dim: number, top: number): QuantisedVectors {
  const min = new Float32Array(dim).fill(Infinity);
  const max = new Float32Array(dim).fill(-Infinity);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) {
      const v = vectors[r * dim + j]!;
      if (v < min[j]!) min[j] = v;
      if (v > max[j]!) max[j] = v;
    }
  }
  const step = new Float32Array(dim);
  for (let j = 0; j < dim; j++) step[j] = max[j]! > min[j]! ? (max[j]! - min[j]!) / top : 0;
  const bytes = new Uint8Array(n * dim * (top > 255 ? 2 : 1));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n * dim; i++) {
    const j = i % dim;
    const code = step[j]! > 0 ? Math.min(top, Math.round((vectors[i]! - min[j]!) / step[j]!)) : 0;
    if (top > 255) view.setUint16(2 * i, code, true);
    else bytes[i] = code;
  }
  return { min: float32ToBase64(min), step: float32ToBase64(step), codes: uint8ToBase64(bytes) };
}

function decodeVectors(c: Partial<CompactLibsvm>, n: number, dim: number): Float32Array {
  if ((c.encoding ?? "float32") === "float32") return base64ToFloat32(c.vectors, n * dim, "svm support vectors");
  if ((c.encoding !== "uint8" && c.encoding !== "uint16") || typeof c.vectors !== "object" || c.vectors === null) bad("unknown support-vector encoding");
  const q = c.vectors as QuantisedVectors;
  const min = base64ToFloat32(q.min, dim, "svm support-vector minima");
  const step = base64ToFloat32(q.step, dim, "svm support-vector steps");
  const wide = c.encoding === "uint16";
  const bytes = base64ToUint8(q.codes, n * dim * (wide ? 2 : 1), "svm support-vector codes");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n * dim; i++) out[i] = min[i % dim]! + (wide ? view.getUint16(2 * i, true) : bytes[i]!) * step[i % dim]!;
  return out;
}

/** libsvm's text model back from {@link compactLibsvm}'s output (checked: counts, finite values). */
export function expandLibsvm(json: unknown, dim: number): string {
  const c = json as Partial<CompactLibsvm> | null;
  if (c === null || typeof c !== "object" || typeof c.header !== "string" || !c.header.endsWith("\nSV\n")) bad("no header");
  const n = c!.supportVectors!;
  const per = c!.coefficientsPerVector!;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(per) || per < 1) bad("bad counts");
  if (Number(/\ntotal_sv (\d+)/.exec(c!.header!)?.[1]) !== n) bad("header and support-vector count disagree");
  const coefficients = base64ToFloat32(c!.coefficients, n * per, "svm coefficients");
  const vectors = decodeVectors(c!, n, dim);
  // Joined from parts: appending to one string per value is 3x slower for a model of 20,000 x 128 values.
  const keys = Array.from({ length: dim }, (_, j) => `${j + 1}:`);
  const lines: string[] = new Array(n);
  const parts: string[] = [];
  for (let r = 0; r < n; r++) {
    parts.length = 0;
    for (let k = 0; k < per; k++) parts.push(coefficients[r * per + k]!.toPrecision(9));
    for (let j = 0; j < dim; j++) {
      const v = vectors[r * dim + j]!;
      if (v !== 0) parts.push(keys[j]! + v.toPrecision(9));
    }
    lines[r] = `${parts.join(" ")} `;
  }
  return `${c!.header}${lines.join("\n")}\n`;
}

/**
 * Loads a freshly trained model (libsvm text, features 1..dim) as it will be saved: compacted with `encoding`, then
 * expanded and loaded, so that predictions before and after saving are the same.
 */
export async function loadAsSaved(serialized: string, dim: number, encoding: VectorEncoding): Promise<{ trained: TrainedSvm; compact: CompactLibsvm }> {
  const compact = compactLibsvm(serialized, dim, encoding);
  return { trained: await restoreLibsvm(expandLibsvm(compact, dim)), compact };
}

/**
 * A saved SVM model, `{ compact }` or `{ libsvm }` (libsvm's text, as first written), checked and returned as libsvm
 * text (to load) and compact form (to save again). Throws `bad-format` for anything else.
 */
export function savedLibsvm(saved: { readonly compact?: unknown; readonly libsvm?: unknown }, dim: number, numClasses: number): { text: string; compact: CompactLibsvm } {
  if (saved.compact !== undefined) {
    // expandLibsvm checks counts and values and writes feature indices 1..dim itself: only the header is left to check.
    checkLibsvmHeader((saved.compact as Partial<CompactLibsvm>).header, numClasses);
    return { text: expandLibsvm(saved.compact, dim), compact: saved.compact as CompactLibsvm };
  }
  if (typeof saved.libsvm !== "string") return bad("no saved model");
  checkLibsvmText(saved.libsvm, dim, numClasses);
  return { text: saved.libsvm, compact: compactLibsvm(saved.libsvm, dim) };
}

/** Checks libsvm's header: a c_svc whose class labels index `numClasses`. */
function checkLibsvmHeader(header: unknown, numClasses: number): void {
  if (typeof header !== "string" || !header.startsWith("svm_type c_svc")) bad("not a c_svc model");
  const labelLine = /\nlabel ([\d ]+)/.exec(header as string);
  if (!labelLine) bad("no label line");
  const labels = labelLine![1]!.trim().split(/\s+/).map(Number);
  if (labels.some((l) => !Number.isInteger(l) || l < 0 || l >= numClasses)) bad("labels are not class indices");
}

/**
 * Sanity checks of a libsvm text model before handing it to WebAssembly (libsvm's parser does not validate):
 * a c_svc with class labels that index `numClasses`, feature indices within `dim`, probability lines if any.
 */
export function checkLibsvmText(text: string, dim: number, numClasses: number): void {
  const svAt = text.indexOf("\nSV\n");
  if (svAt < 0) bad("not a c_svc model");
  const header = text.slice(0, svAt);
  checkLibsvmHeader(header, numClasses);
  const total = Number(/\ntotal_sv (\d+)/.exec(header)?.[1]);
  const lines = text.slice(svAt + 4).split("\n").filter((l) => l.trim().length > 0);
  if (!Number.isInteger(total) || lines.length !== total) bad(`expected ${total} support vectors, found ${lines.length}`);
  for (const line of lines) {
    const tokens = line.trim().split(/\s+/);
    for (const t of tokens) {
      const colon = t.indexOf(":");
      if (colon < 0) {
        if (!Number.isFinite(Number(t))) bad("non-numeric coefficient");
        continue;
      }
      const idx = Number(t.slice(0, colon));
      if (!Number.isInteger(idx) || idx < 1 || idx > dim || !Number.isFinite(Number(t.slice(colon + 1)))) bad(`feature ${t} outside 1..${dim}`);
    }
  }
}
