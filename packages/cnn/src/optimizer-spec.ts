// The optimisers' names and hyper-parameters: plain data, no tfjs (a model card names its optimiser).

/**
 * The optimisers `trainCnn` offers: `adam` (tfjs' Adam, the study's), `adamw` (Adam with decoupled weight decay,
 * Loshchilov & Hutter 2019), `sgd` (SGD with heavy-ball momentum) and `nesterov` (SGD with Nesterov momentum).
 * The SGD updates are PyTorch's (dampening 0): v = μ·v + g, then w -= lr·v, or w -= lr·(g + μ·v) for Nesterov.
 */
export const OPTIMIZERS = ["adam", "adamw", "sgd", "nesterov"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Whether `name` is one of {@link OPTIMIZERS}. */
export function isOptimizerName(name: string): name is OptimizerName {
  return (OPTIMIZERS as readonly string[]).includes(name);
}

/** An optimiser and its hyper-parameters (the learning rate comes from the run and its schedule). */
export interface OptimizerSpec {
  readonly name: OptimizerName;
  /**
   * Weight decay on the kernels (variables of rank >= 2: convolution and dense kernels; biases and batch-norm scales
   * and offsets are never decayed). `adamw`: decoupled, w -= lr·decay·w before the Adam step (PyTorch's AdamW);
   * `sgd`/`nesterov`: added to the gradient (decay·w, PyTorch's SGD `weight_decay`). Default 0 (`adamw`: 0.05).
   * Not allowed with `adam` (use `adamw`). The architecture's own L2 term (F, G) is applied in addition.
   */
  readonly weightDecay?: number;
  /** `sgd`/`nesterov`: momentum μ (default 0.9). */
  readonly momentum?: number;
}

/** The spec with its defaults filled in; throws a RangeError naming a bad number. */
export function resolveOptimizerSpec(spec: OptimizerSpec): Required<OptimizerSpec> {
  if (!isOptimizerName(spec.name)) throw new RangeError(`optimizer must be one of ${OPTIMIZERS.join(", ")}, got ${String(spec.name)}`);
  const weightDecay = spec.weightDecay ?? (spec.name === "adamw" ? 0.05 : 0);
  const momentum = spec.momentum ?? (spec.name === "sgd" || spec.name === "nesterov" ? 0.9 : 0);
  if (!(weightDecay >= 0 && weightDecay < 1)) throw new RangeError(`weight decay must be in [0, 1), got ${weightDecay}`);
  if (spec.name === "adam" && weightDecay > 0) throw new RangeError("adam takes no weight decay: use adamw (decoupled) or sgd/nesterov");
  if (spec.name === "adam" || spec.name === "adamw") {
    if ((spec.momentum ?? 0) !== 0) throw new RangeError(`momentum applies to sgd and nesterov, not ${spec.name}`);
  } else if (!(momentum >= 0 && momentum < 1)) {
    throw new RangeError(`momentum must be in [0, 1), got ${momentum}`);
  }
  return { name: spec.name, weightDecay, momentum };
}
