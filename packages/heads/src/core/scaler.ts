import { HeadError } from "./errors.js";
import type { FeatureMatrix } from "./matrix.js";

/** A fitted standardisation: `x' = (x - mean) / scale` per feature. Saved inside every head that uses it. */
export interface StandardizerJSON {
  readonly mean: number[];
  readonly scale: number[];
}

/**
 * Feature standardisation (zero mean, unit variance per feature, like scikit-learn's StandardScaler).
 * A feature that is constant in the training set gets scale 1, so it maps to 0 instead of dividing by zero.
 */
export class Standardizer {
  readonly mean: Float64Array;
  readonly scale: Float64Array;

  private constructor(mean: Float64Array, scale: Float64Array) {
    this.mean = mean;
    this.scale = scale;
  }

  /** Fits mean and standard deviation (population, ddof 0) of each column of `m`. */
  static fit(m: FeatureMatrix): Standardizer {
    const { rows, cols, data } = m;
    const mean = new Float64Array(cols);
    const m2 = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) mean[j]! += data[o + j]!;
    }
    for (let j = 0; j < cols; j++) mean[j]! /= rows;
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) {
        const d = data[o + j]! - mean[j]!;
        m2[j]! += d * d;
      }
    }
    const scale = new Float64Array(cols);
    for (let j = 0; j < cols; j++) {
      const sd = Math.sqrt(m2[j]! / rows);
      scale[j] = sd > 1e-12 * Math.max(1, Math.abs(mean[j]!)) ? sd : 1;
    }
    return new Standardizer(mean, scale);
  }

  /** Feature dimension this scaler was fitted on. */
  get dim(): number {
    return this.mean.length;
  }

  /** Returns a standardised copy of `m` (Float32, like the input). */
  transform(m: FeatureMatrix): FeatureMatrix {
    const { rows, cols, data } = m;
    if (cols !== this.dim) throw new HeadError("wrong-dimension", `scaler expects ${this.dim} features, got ${cols}`);
    const out = new Float32Array(data.length);
    const inv = this.scale.map((s) => 1 / s);
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) out[o + j] = (data[o + j]! - this.mean[j]!) * inv[j]!;
    }
    return { rows, cols, data: out };
  }

  /** Plain JSON form (numbers are float64, so a round trip is exact). */
  toJSON(): StandardizerJSON {
    return { mean: Array.from(this.mean), scale: Array.from(this.scale) };
  }

  /** Restores a scaler written by {@link Standardizer.toJSON}; throws `bad-format` if malformed. */
  static fromJSON(json: StandardizerJSON, dim: number): Standardizer {
    const ok =
      json !== null &&
      typeof json === "object" &&
      Array.isArray(json.mean) &&
      Array.isArray(json.scale) &&
      json.mean.length === dim &&
      json.scale.length === dim &&
      json.mean.every(Number.isFinite) &&
      json.scale.every((s) => Number.isFinite(s) && s > 0);
    if (!ok) throw new HeadError("bad-format", `saved scaler is malformed or not ${dim}-dimensional`);
    return new Standardizer(Float64Array.from(json.mean), Float64Array.from(json.scale));
  }
}
