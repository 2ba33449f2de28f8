import * as tf from "@tensorflow/tfjs-core";
import { OPTIMIZERS, type OptimizerName, isOptimizerName, type OptimizerSpec, resolveOptimizerSpec } from "./optimizer-spec.js";

export { OPTIMIZERS, type OptimizerName, isOptimizerName, type OptimizerSpec, resolveOptimizerSpec };

/** What optimisers take and keep: named tensors, or tensors by variable name (tfjs-core does not export these types). */
type NamedTensor = { name: string; tensor: tf.Tensor };
type Gradients = tf.NamedTensorMap | NamedTensor[];

/** Whether weight decay applies to a variable: kernels only (rank >= 2), never biases or batch-norm parameters. */
export function isDecayed(variable: tf.Variable): boolean {
  return variable.rank >= 2;
}

function variableNames(grads: Gradients): string[] {
  return Array.isArray(grads) ? grads.map((g) => g.name) : Object.keys(grads);
}

function registered(name: string): tf.Variable {
  const v = tf.engine().registeredVariables[name];
  if (v === undefined) throw new Error(`optimizer: no variable named ${name}`);
  return v;
}

/**
 * Adam with decoupled weight decay (PyTorch's AdamW): each step shrinks every kernel by lr·decay, then takes an Adam
 * step with bias corrections 1 - β^t computed from the step count t (not accumulated products, as tfjs' Adam does), so
 * a run restored from its saved state continues bit for bit. ε = 1e-8. With decay 0 it is Adam.
 */
export class AdamWOptimizer extends tf.Optimizer {
  /** tfjs serialisation name. */
  static get className(): string {
    return "AdamW";
  }

  private moments: Array<{ name: string; m: tf.Variable; v: tf.Variable }> = [];

  constructor(
    public learningRate: number,
    readonly weightDecay: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    super();
  }

  override applyGradients(variableGradients: Gradients): void {
    const names = variableNames(variableGradients);
    const t = this.iterations + 1;
    const correction1 = 1 - Math.pow(this.beta1, t);
    const correction2 = 1 - Math.pow(this.beta2, t);
    const stepSize = this.learningRate / correction1;
    const shrink = 1 - this.learningRate * this.weightDecay;
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = registered(name);
        this.moments[i] ??= { name, m: tf.keep(tf.zerosLike(value).variable(false)), v: tf.keep(tf.zerosLike(value).variable(false)) };
        const g = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (g === undefined) return;
        const { m, v } = this.moments[i]!;
        const m2 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v2 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(m2);
        v.assign(v2);
        const decayed = this.weightDecay > 0 && isDecayed(value) ? tf.mul(value, shrink) : value;
        const denominator = tf.add(tf.div(tf.sqrt(v2), Math.sqrt(correction2)), this.epsilon);
        value.assign(tf.sub(decayed, tf.mul(tf.div(m2, denominator), stepSize)));
      });
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const { m, v } of this.moments) tf.dispose([m, v]);
    this.moments = [];
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return [
      await this.saveIterations(),
      ...this.moments.map(({ name, m }) => ({ name: `${name}/m`, tensor: m })),
      ...this.moments.map(({ name, v }) => ({ name: `${name}/v`, tensor: v })),
    ];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const n = rest.length / 2;
    this.dispose();
    this.moments = rest.slice(0, n).map((w, i) => ({
      name: w.name.replace(/\/m$/, ""),
      m: w.tensor.variable(false),
      v: rest[n + i]!.tensor.variable(false),
    }));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, weightDecay: this.weightDecay, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** SGD with momentum (heavy ball or Nesterov) and weight decay added to the gradient of every kernel. */
export class SgdMomentumOptimizer extends tf.MomentumOptimizer {
  /** tfjs serialisation name. */
  static override get className(): string {
    return "SgdMomentum";
  }

  constructor(
    learningRate: number,
    momentum: number,
    nesterov: boolean,
    readonly weightDecay: number,
  ) {
    super(learningRate, momentum, nesterov);
  }

  /** tfjs' MomentumOptimizer leaves its learning-rate tensor behind on dispose: released here too. */
  override dispose(): void {
    super.dispose();
    const own = this as unknown as { c?: tf.Tensor };
    own.c?.dispose();
    own.c = undefined;
  }

  override applyGradients(variableGradients: Gradients): void {
    if (this.weightDecay === 0) {
      super.applyGradients(variableGradients as Parameters<tf.MomentumOptimizer["applyGradients"]>[0]);
      return;
    }
    const names = variableNames(variableGradients);
    const decayed: Record<string, tf.Variable> = {};
    tf.tidy(() => {
      names.forEach((name, i) => {
        const g = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name]!;
        const v = registered(name);
        decayed[name] = tf.keep(isDecayed(v) ? tf.add(g, tf.mul(v, this.weightDecay)) : tf.clone(g)) as tf.Variable;
      });
    });
    try {
      super.applyGradients(decayed);
    } finally {
      tf.dispose(Object.values(decayed));
    }
  }
}

/** Creates the optimiser a spec names, at `learningRate`. */
export function createOptimizer(spec: OptimizerSpec, learningRate: number): tf.Optimizer {
  const s = resolveOptimizerSpec(spec);
  switch (s.name) {
    case "adam":
      return tf.train.adam(learningRate);
    case "adamw":
      return new AdamWOptimizer(learningRate, s.weightDecay);
    case "sgd":
    case "nesterov":
      return new SgdMomentumOptimizer(learningRate, s.momentum, s.name === "nesterov", s.weightDecay);
  }
}

/** Sets the learning rate an optimiser uses from its next step on (SGD keeps it as a tensor: set through its method). */
export function setOptimizerLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const sgd = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (optimizer.getClassName() !== "Adam" && typeof sgd.setLearningRate === "function") sgd.setLearningRate(learningRate);
  else sgd.learningRate = learningRate;
}

/** An optimiser spec in words, for cards and logs. */
export function describeOptimizer(spec: OptimizerSpec): string {
  const s = resolveOptimizerSpec(spec);
  if (s.name === "adam") return "adam";
  if (s.name === "adamw") return `adamw (decoupled weight decay ${s.weightDecay} on kernels)`;
  return `${s.name === "nesterov" ? "sgd, nesterov" : "sgd"} momentum ${s.momentum}${s.weightDecay > 0 ? `, weight decay ${s.weightDecay} on kernels` : ""}`;
}

/**
 * The optimiser's state (moments, iteration count) as one float block and its layout, for checkpoints; restored
 * exactly by {@link restoreOptimizerState}.
 */
export async function optimizerState(optimizer: tf.Optimizer): Promise<{ specs: Array<{ name: string; shape: number[] }>; data: Float32Array }> {
  const named = await optimizer.getWeights();
  const specs: Array<{ name: string; shape: number[] }> = [];
  const parts: Float32Array[] = [];
  for (const { name, tensor } of named) {
    specs.push({ name, shape: tensor.shape });
    parts.push((await tensor.data()) as Float32Array);
    // The iteration count is a fresh tensor at every call (tfjs' saveIterations); the rest are the optimiser's own.
    if (name === "iter") tensor.dispose();
  }
  const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return { specs, data };
}

/** Loads what {@link optimizerState} saved into an optimiser of the same kind. */
export async function restoreOptimizerState(optimizer: tf.Optimizer, specs: ReadonlyArray<{ name: string; shape: number[] }>, data: Float32Array): Promise<void> {
  let offset = 0;
  const named = specs.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(data.subarray(offset, offset + size), shape);
    offset += size;
    return { name, tensor };
  });
  if (offset !== data.length) throw new RangeError(`optimizer state holds ${data.length} numbers where its layout needs ${offset}`);
  await optimizer.setWeights(named);
  for (const { tensor } of named) tensor.dispose();
}
