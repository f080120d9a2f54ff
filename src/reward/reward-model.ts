/**
 * What both reward models share: named weights (tf variables, in [in, out] layout for linear
 * maps), an input standardisation fitted on the training split, batched scoring of trajectories
 * or their prefixes, and disposal. Subclasses define the features read from a trajectory and the
 * network that maps them to one logit; reward = sigmoid(logit) = P(correct | trajectory).
 */
import * as tf from '@tensorflow/tfjs';
import { JUPYTER_DISPLAY, displayOf, type MimeBundle } from '../display/protocol.js';
import type { TrajectoryArray } from '../tensor/trajectory-array.js';
import { checkFiniteTrajectories, gatherPrefix } from './labelled-trajectories.js';
import type { RewardModelConfig } from './reward-model-config.js';
import type { InitKind, WeightSource } from './weight-init.js';

export interface ScoreOptions {
  /** Score only the first `steps` steps of every trajectory (default: all). */
  readonly steps?: number;
  /** Runs per forward pass (default 256). */
  readonly batchSize?: number;
}

/** Names of the standardisation tensors (not trained; fitted from data). */
export const INPUT_MEAN = 'input.mean';
export const INPUT_SCALE = 'input.scale';

export abstract class LatentRewardModel {
  private readonly weights = new Map<string, tf.Variable>();
  private readonly trainable: string[] = [];
  private disposed = false;

  protected constructor(readonly config: RewardModelConfig) {}

  /** Size of the last axis of `features(x)`, which is what gets standardised. */
  abstract get featureSize(): number;

  /** The standardised quantity: [B, S, width] trajectories -> [..., featureSize]. */
  protected abstract features(x: tf.Tensor3D): tf.Tensor;

  /** Standardised features -> logits [B]. `dropoutSeed` is set only while training. */
  protected abstract head(z: tf.Tensor, batch: number, dropoutSeed: number | undefined): tf.Tensor1D;

  /** Creates a weight; subclasses call this from their constructor, in a fixed order. */
  protected addWeight(source: WeightSource, name: string, shape: number[], kind: InitKind, trainable = true): tf.Variable {
    if (this.weights.has(name)) throw new Error(`duplicate weight name ${name}`);
    const values = source(name, shape, kind);
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), trainable));
    this.weights.set(name, v);
    if (trainable) this.trainable.push(name);
    return v;
  }

  /** Adds the standardisation tensors (mean 0, scale 1 until fitted). Call after the feature size is known. */
  protected addStandardisation(source: WeightSource): void {
    this.addWeight(source, INPUT_MEAN, [this.featureSize], 'zeros', false);
    this.addWeight(source, INPUT_SCALE, [this.featureSize], 'ones', false);
  }

  private live(): void {
    if (this.disposed) throw new Error('this reward model has been disposed');
  }

  /** Every weight by name, in creation order (what is saved). */
  namedWeights(): ReadonlyMap<string, tf.Variable> {
    this.live();
    return this.weights;
  }

  /** The trained variables and their names, in a fixed order. */
  trainableWeights(): { names: string[]; variables: tf.Variable[] } {
    this.live();
    return { names: [...this.trainable], variables: this.trainable.map((n) => this.weights.get(n)!) };
  }

  /** Number of trained parameters. */
  get parameterCount(): number {
    return this.trainableWeights().variables.reduce((sum, v) => sum + v.size, 0);
  }

  /** Logits [B] for a batch of trajectories [B, S, width]. Caller owns the result. */
  logits(x: tf.Tensor3D, dropoutSeed?: number): tf.Tensor1D {
    this.live();
    if (x.shape[2] !== this.config.width) throw new Error(`reward model: input width ${x.shape[2]}; this model expects ${this.config.width}`);
    return tf.tidy(() => {
      const f = this.features(x);
      const z = tf.mul(tf.sub(f, this.weights.get(INPUT_MEAN)!), this.weights.get(INPUT_SCALE)!);
      return this.head(z, x.shape[0], dropoutSeed);
    });
  }

  /**
   * Sets the standardisation from training trajectories: per feature, the mean and 1 / standard
   * deviation over every run (and step, for per-step features). Constant features keep scale 1.
   */
  fitStandardisation(trajectories: TrajectoryArray, batchSize = 256): void {
    this.live();
    this.checkInput(trajectories, 'fitStandardisation: trajectories');
    const n = this.featureSize;
    const sum = new Float64Array(n);
    const sumSquares = new Float64Array(n);
    let count = 0;
    for (let start = 0; start < trajectories.runs; start += batchSize) {
      const runs = range(start, Math.min(start + batchSize, trajectories.runs));
      const f = tf.tidy(() => tf.reshape(this.features(inputTensor(trajectories, runs, trajectories.steps)), [-1, n]));
      const values = f.dataSync();
      const rows = f.shape[0]!;
      f.dispose();
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < n; j++) {
          const v = values[r * n + j]!;
          sum[j] += v;
          sumSquares[j] += v * v;
        }
      }
      count += rows;
    }
    const mean = new Float32Array(n);
    const scale = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      mean[j] = sum[j]! / count;
      const std = Math.sqrt(Math.max(0, sumSquares[j]! / count - (sum[j]! / count) ** 2));
      scale[j] = std > 1e-6 ? 1 / std : 1;
    }
    tf.tidy(() => {
      this.weights.get(INPUT_MEAN)!.assign(tf.tensor1d(mean));
      this.weights.get(INPUT_SCALE)!.assign(tf.tensor1d(scale));
    });
  }

  /** Checks that trajectories fit this model (width, finite values). */
  checkInput(trajectories: TrajectoryArray, what: string): void {
    checkFiniteTrajectories(trajectories, what);
    if (trajectories.width !== this.config.width) throw new Error(`${what}: width ${trajectories.width}; this reward model expects states of width ${this.config.width}`);
  }

  /**
   * Rewards P(correct) in [0, 1], one per run, from the whole trajectory or its first `steps`
   * steps. Deterministic (no dropout).
   */
  score(trajectories: TrajectoryArray, options: ScoreOptions = {}): Float32Array {
    return this.scoreLogits(trajectories, options).map((z) => 1 / (1 + Math.exp(-z)));
  }

  /** The logits behind `score` (before the sigmoid). */
  scoreLogits(trajectories: TrajectoryArray, options: ScoreOptions = {}): Float32Array {
    this.live();
    this.checkInput(trajectories, 'score: trajectories');
    const steps = options.steps ?? trajectories.steps;
    if (!Number.isInteger(steps) || steps < 1 || steps > trajectories.steps) {
      throw new Error(`score: steps is ${steps}; expected an integer in 1..${trajectories.steps} (the trajectory length)`);
    }
    const batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`score: batchSize is ${batchSize}; expected a positive integer`);
    const out = new Float32Array(trajectories.runs);
    for (let start = 0; start < trajectories.runs; start += batchSize) {
      const runs = range(start, Math.min(start + batchSize, trajectories.runs));
      const logits = tf.tidy(() => this.logits(inputTensor(trajectories, runs, steps)));
      out.set(logits.dataSync(), start);
      logits.dispose();
    }
    return out;
  }

  /** Frees the weights; the model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.weights.values()) v.dispose();
    this.weights.clear();
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return displayOf(this);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

/** [runs.length, steps, width] input tensor of the chosen runs' first `steps` steps. */
export function inputTensor(t: TrajectoryArray, runs: ArrayLike<number>, steps: number): tf.Tensor3D {
  return tf.tensor3d(gatherPrefix(t, runs, steps), [runs.length, steps, t.width]);
}

function range(from: number, to: number): Int32Array {
  return Int32Array.from({ length: to - from }, (_, i) => from + i);
}
