/**
 * Training a reward model: binary cross-entropy on the training split with class-imbalance
 * handling, AdamW, seeded shuffling and dropout, gradient clipping, evaluation on the caller's
 * validation split after every epoch, keeping the weights of the best epoch (by validation
 * ROC-AUC, or F1 as in the paper) and stopping early when it has not improved for `patience`
 * epochs. The test split is never an argument here, so it cannot influence any choice.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamW, clipByGlobalNorm } from '../training/adamw.js';
import { Rng, deriveSeed, type Seed } from '../tensor/random.js';
import { checkLabelled, type LabelledTrajectories } from './labelled-trajectories.js';
import { inputTensor, type LatentRewardModel } from './reward-model.js';
import { classifierMetrics } from './metrics.js';

/**
 * How the imbalance between correct and incorrect runs is handled:
 * - `pos-weight`: the positive term of the loss is weighted by negatives / positives (PyTorch's
 *   BCEWithLogitsLoss pos_weight), so both classes carry the same total weight;
 * - `oversample`: each epoch draws the minority class with replacement up to the majority's count;
 * - `none`: plain cross-entropy.
 */
export type ClassBalance = 'pos-weight' | 'oversample' | 'none';

export interface FitOptions {
  /** Maximum number of passes over the training set (default 20). */
  readonly epochs?: number;
  /** Runs per gradient step (default 64). */
  readonly batchSize?: number;
  /** AdamW learning rate (default 1e-3). */
  readonly learningRate?: number;
  /** Decoupled weight decay on matrices (default 0.01). */
  readonly weightDecay?: number;
  /** Global gradient-norm clip (default 1). */
  readonly gradClip?: number;
  /** Stop after this many epochs without a better validation score (default 5). */
  readonly patience?: number;
  readonly classBalance?: ClassBalance;
  /** Which validation metric picks the kept epoch: `auroc` (default) or `f1` (the paper's choice). */
  readonly selectBy?: 'auroc' | 'f1';
  /**
   * Train on random prefixes: each batch uses the first t steps, t uniform in
   * [minimumPrefix, steps]; makes one model good at scoring partial trajectories (default false).
   */
  readonly randomPrefixes?: boolean;
  /** Shortest prefix when `randomPrefixes` is on (default 1). */
  readonly minimumPrefix?: number;
  /** Seed for shuffling, oversampling, prefixes and dropout (default 0). */
  readonly seed?: Seed;
  /** Fit the input standardisation on the training set first (default true). */
  readonly standardise?: boolean;
  /** Called after every batch and every epoch. */
  readonly onProgress?: (progress: FitProgress) => void;
  /** Polled after every batch; returning true stops training (the best weights so far are kept). */
  readonly shouldStop?: () => boolean;
}

export interface ValidationScores {
  readonly auroc: number;
  readonly f1: number;
  readonly accuracy: number;
  readonly logLoss: number;
}

export interface EpochRecord {
  /** 1-based. */
  readonly epoch: number;
  /** Mean training loss over the epoch's batches. */
  readonly trainLoss: number;
  readonly validation: ValidationScores;
  /** Whether this epoch became the kept one. */
  readonly improved: boolean;
  readonly seconds: number;
}

export type FitProgress =
  | { readonly kind: 'batch'; readonly epoch: number; readonly epochs: number; readonly batch: number; readonly batches: number; readonly loss: number }
  | ({ readonly kind: 'epoch'; readonly epochs: number } & EpochRecord);

export interface FitResult {
  /** The epoch whose weights the model now holds (1-based). */
  readonly bestEpoch: number;
  readonly best: ValidationScores;
  readonly history: readonly EpochRecord[];
  /** Why training ended. */
  readonly stopReason: 'epochs' | 'patience' | 'stopped';
}

interface ResolvedOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  gradClip: number;
  patience: number;
  classBalance: ClassBalance;
  selectBy: 'auroc' | 'f1';
  randomPrefixes: boolean;
  minimumPrefix: number;
  seed: Seed;
  standardise: boolean;
}

function resolve(o: FitOptions, steps: number): ResolvedOptions {
  const integer = (name: string, value: number, minimum: number): number => {
    if (!Number.isInteger(value) || value < minimum) throw new Error(`fitRewardModel: ${name} is ${value}; expected an integer >= ${minimum}`);
    return value;
  };
  const positive = (name: string, value: number, allowZero = false): number => {
    if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) throw new Error(`fitRewardModel: ${name} is ${value}; expected a ${allowZero ? 'non-negative' : 'positive'} finite number`);
    return value;
  };
  const classBalance = o.classBalance ?? 'pos-weight';
  if (!['pos-weight', 'oversample', 'none'].includes(classBalance)) throw new Error(`fitRewardModel: classBalance is ${JSON.stringify(classBalance)}; expected "pos-weight", "oversample" or "none"`);
  const selectBy = o.selectBy ?? 'auroc';
  if (selectBy !== 'auroc' && selectBy !== 'f1') throw new Error(`fitRewardModel: selectBy is ${JSON.stringify(selectBy)}; expected "auroc" or "f1"`);
  const minimumPrefix = integer('minimumPrefix', o.minimumPrefix ?? 1, 1);
  if (minimumPrefix > steps) throw new Error(`fitRewardModel: minimumPrefix ${minimumPrefix} exceeds the ${steps} steps of the training trajectories`);
  return {
    epochs: integer('epochs', o.epochs ?? 20, 1),
    batchSize: integer('batchSize', o.batchSize ?? 64, 1),
    learningRate: positive('learningRate', o.learningRate ?? 1e-3),
    weightDecay: positive('weightDecay', o.weightDecay ?? 0.01, true),
    gradClip: positive('gradClip', o.gradClip ?? 1),
    patience: integer('patience', o.patience ?? 5, 1),
    classBalance,
    selectBy,
    randomPrefixes: o.randomPrefixes ?? false,
    minimumPrefix,
    seed: o.seed ?? 0,
    standardise: o.standardise ?? true,
  };
}

/** The order of training runs for one epoch (shuffled; oversampled if asked). */
function epochOrder(labels: ArrayLike<boolean>, balance: ClassBalance, rng: Rng): number[] {
  const all = Array.from({ length: labels.length }, (_, i) => i);
  if (balance !== 'oversample') return rng.shuffle(all);
  const positives = all.filter((i) => labels[i]);
  const negatives = all.filter((i) => !labels[i]);
  const [minority, majority] = positives.length < negatives.length ? [positives, negatives] : [negatives, positives];
  const extra = Array.from({ length: majority.length - minority.length }, () => minority[rng.int(minority.length)]!);
  return rng.shuffle([...all, ...extra]);
}

/**
 * Mean binary cross-entropy from logits with the positive term weighted by `positiveWeight`
 * (PyTorch's BCEWithLogitsLoss(pos_weight)), in a form that stays finite for any logit.
 */
export function binaryCrossEntropyFromLogits(logits: tf.Tensor1D, labels: tf.Tensor1D, positiveWeight: number): tf.Scalar {
  // -[w y log s(z) + (1 - y) log(1 - s(z))] = (1 - y) z + (1 + (w - 1) y) softplus(-z)
  const softplusMinus = tf.add(tf.relu(tf.neg(logits)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  const weight = tf.add(1, tf.mul(labels, positiveWeight - 1));
  return tf.mean(tf.add(tf.mul(tf.sub(1, labels), logits), tf.mul(weight, softplusMinus)));
}

function validationScores(model: LatentRewardModel, validation: LabelledTrajectories): ValidationScores {
  const m = classifierMetrics(model.score(validation.trajectories), validation.correct);
  return { auroc: m.auroc, f1: m.f1, accuracy: m.accuracy, logLoss: m.logLoss };
}

/**
 * Trains `model` in place and leaves it holding the weights of the best validation epoch. If
 * training fails (the loss diverges, a callback throws) the model is restored to its state before
 * the call and the error rethrown.
 * `validation` must contain both classes (it selects the checkpoint). Yields to the event loop
 * between batches so that progress displays can update.
 */
export async function fitRewardModel(model: LatentRewardModel, train: LabelledTrajectories, validation: LabelledTrajectories, options: FitOptions = {}): Promise<FitResult> {
  const { positives, negatives } = checkLabelled(train, 'fitRewardModel: train', true);
  checkLabelled(validation, 'fitRewardModel: validation', true);
  model.checkInput(train.trajectories, 'fitRewardModel: train.trajectories');
  model.checkInput(validation.trajectories, 'fitRewardModel: validation.trajectories');
  const steps = train.trajectories.steps;
  const o = resolve(options, steps);
  // Kept so that a failed fit (diverged, or a throwing callback) leaves the model as it was.
  const before = [...model.namedWeights()].map(([, v]) => ({ variable: v, values: (v.dataSync() as Float32Array).slice() }));
  if (o.standardise) model.fitStandardisation(train.trajectories);
  const positiveWeight = o.classBalance === 'pos-weight' ? negatives / positives : 1;
  const { names, variables } = model.trainableWeights();
  const optimizer = new AdamW(variables, names, { beta1: 0.9, beta2: 0.999, weightDecay: o.weightDecay });
  const history: EpochRecord[] = [];
  let best: { epoch: number; scores: ValidationScores; weights: Float32Array[] } | undefined;
  let stopReason: FitResult['stopReason'] = 'epochs';
  try {
    for (let epoch = 1; epoch <= o.epochs && stopReason === 'epochs'; epoch++) {
      const started = Date.now();
      const rng = new Rng(deriveSeed(o.seed, 'epoch', epoch));
      const order = epochOrder(train.correct, o.classBalance, rng);
      const batches = Math.ceil(order.length / o.batchSize);
      let lossSum = 0;
      for (let b = 0; b < batches; b++) {
        const runs = order.slice(b * o.batchSize, (b + 1) * o.batchSize);
        const prefix = o.randomPrefixes ? o.minimumPrefix + rng.int(steps - o.minimumPrefix + 1) : steps;
        const loss = trainStep(model, optimizer, variables, train, runs, prefix, positiveWeight, o, deriveSeed(o.seed, 'dropout', epoch, b));
        if (!Number.isFinite(loss)) throw new Error(`fitRewardModel: the loss became ${loss} at epoch ${epoch}, batch ${b + 1}; lower the learning rate`);
        lossSum += loss;
        options.onProgress?.({ kind: 'batch', epoch, epochs: o.epochs, batch: b + 1, batches, loss });
        await new Promise<void>((resolveTick) => setImmediate(resolveTick));
        if (options.shouldStop?.()) {
          stopReason = 'stopped';
          break;
        }
      }
      const scores = validationScores(model, validation);
      const improved = best === undefined || scores[o.selectBy] > best.scores[o.selectBy];
      if (improved) best = { epoch, scores, weights: variables.map((v) => (v.dataSync() as Float32Array).slice()) };
      const record: EpochRecord = { epoch, trainLoss: lossSum / batches, validation: scores, improved, seconds: (Date.now() - started) / 1000 };
      history.push(record);
      options.onProgress?.({ kind: 'epoch', epochs: o.epochs, ...record });
      if (stopReason === 'epochs' && epoch - best!.epoch >= o.patience) stopReason = 'patience';
    }
  } catch (e) {
    tf.tidy(() => before.forEach(({ variable, values }) => variable.assign(tf.tensor(values, variable.shape))));
    throw e;
  } finally {
    optimizer.dispose();
  }
  // Restore the kept epoch's weights (the last epoch may have been worse).
  tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(best!.weights[i]!, v.shape))));
  return { bestEpoch: best!.epoch, best: best!.scores, history, stopReason };
}

function trainStep(
  model: LatentRewardModel,
  optimizer: AdamW,
  variables: tf.Variable[],
  train: LabelledTrajectories,
  runs: number[],
  prefix: number,
  positiveWeight: number,
  o: ResolvedOptions,
  dropoutSeed: number,
): number {
  const x = inputTensor(train.trajectories, runs, prefix);
  const y = tf.tensor1d(runs.map((r) => (train.correct[r] ? 1 : 0)));
  try {
    const { value, grads } = tf.variableGrads(() => binaryCrossEntropyFromLogits(model.logits(x, dropoutSeed), y, positiveWeight), variables);
    const ordered = variables.map((v) => grads[v.name]!);
    const { clipped } = clipByGlobalNorm(ordered, o.gradClip);
    optimizer.apply(clipped, o.learningRate);
    const loss = value.dataSync()[0]!;
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    if (clipped !== ordered) for (const g of clipped) g.dispose();
    return loss;
  } finally {
    x.dispose();
    y.dispose();
  }
}
