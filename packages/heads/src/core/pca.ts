import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { HeadError } from "./errors.js";
import { base64ToFloat32, float32ToBase64 } from "./float-codec.js";
import type { FeatureMatrix } from "./matrix.js";

/** A fitted principal-component projection, saved inside the head that uses it. */
export interface PcaJSON {
  /** Input dimension. */
  readonly dim: number;
  /** Number of components kept. */
  readonly components: number;
  /** Per-feature mean subtracted before projecting (float32, base64). */
  readonly mean: string;
  /** components x dim projection, row-major (float32, base64): one unit-length principal axis per row. */
  readonly axes: string;
  /** Share of the training set's variance the kept components explain. */
  readonly explainedVariance: number;
}

/**
 * Principal component analysis: projects features onto the `components` directions of largest variance of the
 * training set (eigenvectors of its covariance matrix, by ml-matrix's symmetric eigendecomposition).
 * Euclidean distances between projected vectors approximate the original ones as far as the kept components
 * explain the variance, so an RBF kernel on the projection approximates the kernel on the full features.
 */
export class Pca {
  private constructor(
    readonly mean: Float32Array,
    /** components x dim, row-major. */
    readonly axes: Float32Array,
    readonly components: number,
    readonly explainedVariance: number,
  ) {}

  /** Input dimension. */
  get dim(): number {
    return this.mean.length;
  }

  /** Fits the `components` leading principal axes of `m` (1 <= components <= m.cols). */
  static fit(m: FeatureMatrix, components: number): Pca {
    const { rows, cols, data } = m;
    if (!Number.isInteger(components) || components < 1 || components > cols) {
      throw new HeadError("bad-parameter", `pca: components must be an integer in [1, ${cols}], got ${components}`);
    }
    if (rows < 2) throw new HeadError("bad-shape", "pca: needs at least two rows");
    const mean = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j]! += data[i * cols + j]!;
    for (let j = 0; j < cols; j++) mean[j]! /= rows;
    // Upper triangle of the scatter matrix, accumulated one row at a time.
    const scatter = new Float64Array(cols * cols);
    const centred = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) centred[j] = data[i * cols + j]! - mean[j]!;
      for (let a = 0; a < cols; a++) {
        const ca = centred[a]!;
        if (ca === 0) continue;
        const o = a * cols;
        for (let b = a; b < cols; b++) scatter[o + b]! += ca * centred[b]!;
      }
    }
    const cov = new Matrix(cols, cols);
    for (let a = 0; a < cols; a++) {
      for (let b = a; b < cols; b++) {
        const v = scatter[a * cols + b]! / (rows - 1);
        cov.set(a, b, v);
        cov.set(b, a, v);
      }
    }
    const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
    const values = evd.realEigenvalues;
    const vectors = evd.eigenvectorMatrix;
    const order = values.map((_, i) => i).sort((p, q) => values[q]! - values[p]!);
    const total = values.reduce((s, v) => s + Math.max(0, v), 0);
    const axes = new Float32Array(components * cols);
    let kept = 0;
    for (let c = 0; c < components; c++) {
      const col = order[c]!;
      kept += Math.max(0, values[col]!);
      for (let j = 0; j < cols; j++) axes[c * cols + j] = vectors.get(j, col);
    }
    return new Pca(Float32Array.from(mean), axes, components, total > 0 ? kept / total : 1);
  }

  /** The projection of every row of `m` (rows x components, float32). */
  transform(m: FeatureMatrix): FeatureMatrix {
    const { rows, cols, data } = m;
    if (cols !== this.dim) throw new HeadError("wrong-dimension", `pca expects ${this.dim} features, got ${cols}`);
    const k = this.components;
    const out = new Float32Array(rows * k);
    const centred = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) centred[j] = data[i * cols + j]! - this.mean[j]!;
      for (let c = 0; c < k; c++) {
        let s = 0;
        const o = c * cols;
        for (let j = 0; j < cols; j++) s += centred[j]! * this.axes[o + j]!;
        out[i * k + c] = s;
      }
    }
    return { rows, cols: k, data: out };
  }

  toJSON(): PcaJSON {
    return {
      dim: this.dim,
      components: this.components,
      mean: float32ToBase64(this.mean),
      axes: float32ToBase64(this.axes),
      explainedVariance: this.explainedVariance,
    };
  }

  /** Restores a projection saved by {@link Pca.toJSON}; `dim` is the feature dimension the head expects. */
  static fromJSON(json: unknown, dim: number): Pca {
    const p = json as Partial<PcaJSON> | null;
    if (p === null || typeof p !== "object" || p.dim !== dim || !Number.isInteger(p.components) || p.components! < 1 || p.components! > dim) {
      throw new HeadError("bad-format", `saved pca does not fit ${dim} features`);
    }
    const k = p.components!;
    const explained = typeof p.explainedVariance === "number" ? p.explainedVariance : NaN;
    return new Pca(base64ToFloat32(p.mean, dim, "pca mean"), base64ToFloat32(p.axes, k * dim, "pca axes"), k, explained);
  }
}
