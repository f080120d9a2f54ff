/**
 * AdamW (decoupled weight decay) over a fixed list of variables, with the learning rate given per
 * step and a state that can be saved and restored exactly. tfjs's own Adam fixes its learning rate
 * at construction and has no weight decay, and both are needed for the upstream-style schedule.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** Decoupled weight decay (applied to matrices only; vectors such as norms and biases are exempt). */
  readonly weightDecay?: number;
}

export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  /** Number of updates applied so far. */
  step = 0;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;

  /**
   * @param variables the trainable tensors.
   * @param names a stable name per variable, used to save and restore the moments.
   */
  constructor(
    readonly variables: readonly tf.Variable[],
    readonly names: readonly string[],
    options: AdamWOptions = {},
  ) {
    if (names.length !== variables.length) throw new Error(`AdamW: ${names.length} names for ${variables.length} variables`);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.95;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.m = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  /** Applies one update; `grads[i]` belongs to `variables[i]`. */
  apply(grads: readonly tf.Tensor[], learningRate: number): void {
    if (grads.length !== this.variables.length) throw new Error(`AdamW: ${grads.length} gradients for ${this.variables.length} variables`);
    this.step += 1;
    const c1 = 1 - Math.pow(this.beta1, this.step);
    const c2 = 1 - Math.pow(this.beta2, this.step);
    tf.tidy(() => {
      this.variables.forEach((x, i) => {
        const g = grads[i]!;
        const m = tf.add(tf.mul(this.m[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.epsilon));
        const decayed = this.weightDecay > 0 && x.rank > 1 ? tf.mul(x, 1 - learningRate * this.weightDecay) : x;
        x.assign(tf.sub(decayed, tf.mul(update, learningRate)));
      });
    });
  }

  /** Moment tensors by variable name (`m.NAME`, `v.NAME`) for saving. */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    this.names.forEach((name, i) => {
      out.set(`m.${name}`, this.m[i]!);
      out.set(`v.${name}`, this.v[i]!);
    });
    return out;
  }

  /** Restores moments saved by `stateTensors` (values by the same names) and the step count. */
  restore(values: ReadonlyMap<string, Float32Array>, step: number): void {
    this.variables.forEach((x, i) => {
      for (const [kind, target] of [['m', this.m[i]!], ['v', this.v[i]!]] as const) {
        const key = `${kind}.${this.names[i]}`;
        const data = values.get(key);
        if (!data || data.length !== x.size) throw new Error(`optimizer state: missing or wrong-sized "${key}"`);
        tf.tidy(() => target.assign(tf.tensor(data, x.shape)));
      }
    });
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/** Scales every gradient so that their global L2 norm is at most `maxNorm`; returns the norm before. */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: number } {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]!);
  if (!(norm > maxNorm)) return { clipped: grads, norm };
  const scale = maxNorm / norm;
  return { clipped: grads.map((g) => tf.mul(g, scale)), norm };
}
