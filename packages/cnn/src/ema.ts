import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/**
 * An exponential moving average of a model's weights (all of them: kernels, biases and batch-norm statistics),
 * updated after every training step: avg = d·avg + (1 - d)·w with d = min(decay, (1 + t) / (10 + t)) at update t
 * (TensorFlow's ExponentialMovingAverage with num_updates, so early averages are not dominated by the random start).
 * Kept in plain float arrays; saved and restored exactly with checkpoints.
 */
export class WeightAverage {
  private readonly averages: Float32Array[];

  private constructor(
    private readonly model: tfl.LayersModel,
    readonly decay: number,
    averages: Float32Array[],
    /** Updates done so far. */
    public updates: number,
  ) {
    this.averages = averages;
  }

  /** Starts an average at the model's current weights. */
  static start(model: tfl.LayersModel, decay: number): WeightAverage {
    if (!(decay > 0 && decay < 1)) throw new RangeError(`the EMA decay must be in (0, 1), got ${decay}`);
    return new WeightAverage(model, decay, model.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array)), 0);
  }

  /** Restores an average saved with {@link WeightAverage.serialize}; throws a RangeError if it does not fit the model. */
  static restore(model: tfl.LayersModel, decay: number, updates: number, data: Float32Array): WeightAverage {
    const total = model.weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    if (data.length !== total) throw new RangeError(`the saved weight average holds ${data.length} numbers where the model has ${total}`);
    let offset = 0;
    const averages = model.weights.map((w) => {
      const size = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const part = data.slice(offset, offset + size);
      offset += size;
      return part;
    });
    return new WeightAverage(model, decay, averages, updates);
  }

  /** Folds the model's current weights into the average. */
  update(): void {
    const d = Math.min(this.decay, (1 + this.updates) / (10 + this.updates));
    const e = 1 - d;
    this.model.weights.forEach((w, i) => {
      const value = w.read().dataSync() as Float32Array;
      const avg = this.averages[i]!;
      for (let k = 0; k < avg.length; k++) avg[k] = d * avg[k]! + e * value[k]!;
    });
    this.updates++;
  }

  /** The average as one float block, in the order of `model.weights`. */
  serialize(): Float32Array {
    const out = new Float32Array(this.averages.reduce((n, a) => n + a.length, 0));
    let offset = 0;
    for (const a of this.averages) {
      out.set(a, offset);
      offset += a.length;
    }
    return out;
  }

  /**
   * Runs `fn` with the averaged weights in the model, then puts the model's own weights back (also when `fn` throws).
   */
  async withAveragedWeights<T>(fn: () => Promise<T>): Promise<T> {
    const own = this.model.weights.map((w) => tf.clone(w.read()));
    try {
      const averaged = this.model.weights.map((w, i) => tf.tensor(this.averages[i]!, w.shape as number[]));
      this.model.setWeights(averaged);
      tf.dispose(averaged);
      return await fn();
    } finally {
      this.model.setWeights(own);
      tf.dispose(own);
    }
  }
}
