/**
 * Training a reward model: binary cross-entropy on the training split with class-imbalance
 * handling, AdamW, seeded shuffling and dropout, gradient clipping, evaluation on the caller's
 * validation split after every epoch, keeping the weights of the best epoch (by validation
 * ROC-AUC, or F1 as in the paper) and stopping early when it has not improved for `patience`
 * epochs. The test split is never an argument here, so it cannot influence any choice.
 *
 * Beyond the paper, an optional ranking term (`rankingWeight`): LTO only ever compares the runs of
 * one question, so what it needs from the reward is the order within a question, which binary
 * cross-entropy over all runs rewards only indirectly. The term is ListNet's listwise loss with a
 * uniform target over a question's correct runs; batches then hold whole questions.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamW, clipByGlobalNorm } from '../training/adamw.js';
import { Rng, deriveSeed, type Seed } from '../tensor/random.js';
import { checkGroups, checkLabelled, type LabelledTrajectories } from './labelled-trajectories.js';
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
  /**
   * Weight of the within-question ranking term added to the cross-entropy (default 0: the
   * paper's objective). Needs `train.groups`; a batch then holds whole questions, filled up to at
   * least `batchSize` runs.
   */
  readonly rankingWeight?: number;
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
  rankingWeight: number;
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
  const rankingWeight = positive('rankingWeight', o.rankingWeight ?? 0, true);
  if (rankingWeight > 0 && classBalance === 'oversample') throw new Error('fitRewardModel: classBalance "oversample" cannot be combined with rankingWeight > 0 (batches hold whole questions); use "pos-weight"');
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
    rankingWeight,
    seed: o.seed ?? 0,
    standardise: o.standardise ?? true,
  };
}

/** One gradient step's runs, and (for the ranking term) each question's positions within them. */
interface Batch {
  readonly runs: number[];
  readonly questions: number[][];
}

/**
 * One epoch's batches: runs shuffled (oversampled if asked) and cut every `batchSize`; or, with
 * groups, questions shuffled and packed whole until a batch holds at least `batchSize` runs.
 */
function epochBatches(train: LabelledTrajectories, o: ResolvedOptions, rng: Rng): Batch[] {
  const batches: Batch[] = [];
  if (o.rankingWeight === 0) {
    const order = epochOrder(train.correct, o.classBalance, rng);
    for (let at = 0; at < order.length; at += o.batchSize) batches.push({ runs: order.slice(at, at + o.batchSize), questions: [] });
    return batches;
  }
  let current: Batch = { runs: [], questions: [] };
  for (const q of rng.shuffle(train.groups!.map((_, i) => i))) {
    const group = train.groups![q]!;
    current.questions.push(group.map((_, k) => current.runs.length + k));
    current.runs.push(...group);
    if (current.runs.length >= o.batchSize) {
      batches.push(current);
      current = { runs: [], questions: [] };
    }
  }
  if (current.runs.length > 0) batches.push(current);
  return batches;
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

/**
 * ListNet's listwise loss with a uniform target over each question's correct runs: for each row
 * g of `membership` (1 where a batch run belongs to question g), the cross-entropy between
 * `target[g]` (a distribution over that question's runs) and the softmax of the logits of that
 * question's runs; averaged over rows. Rows should be questions with both correct and incorrect
 * runs (elsewhere the target is the uniform distribution and there is nothing to rank).
 */
export function listwiseRankingLoss(logits: tf.Tensor1D, membership: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    // Runs outside the question get a logit of -1e9: exp() of it is exactly 0 in float32.
    const masked = tf.add(tf.expandDims(logits, 0), tf.mul(tf.sub(membership, 1), 1e9));
    const logNormaliser = tf.logSumExp(masked, 1, true);
    const logSoftmax = tf.sub(tf.expandDims(logits, 0), logNormaliser);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logSoftmax), 1))) as tf.Scalar;
  });
}

/** The ranking term's membership and target rows for a batch's mixed questions (null if none). */
function rankingRows(batch: Batch, correct: ArrayLike<boolean>): { membership: Float32Array; target: Float32Array; rows: number } | null {
  const mixed = batch.questions
    .map((positions) => ({ positions, right: positions.filter((p) => correct[batch.runs[p]!]) }))
    .filter(({ positions, right }) => right.length > 0 && right.length < positions.length);
  if (mixed.length === 0) return null;
  const width = batch.runs.length;
  const membership = new Float32Array(mixed.length * width);
  const target = new Float32Array(mixed.length * width);
  mixed.forEach(({ positions, right }, g) => {
    for (const p of positions) membership[g * width + p] = 1;
    for (const p of right) target[g * width + p] = 1 / right.length;
  });
  return { membership, target, rows: mixed.length };
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
  if (train.groups !== undefined) checkGroups(train.groups, train.trajectories.runs, 'fitRewardModel: train');
  checkLabelled(validation, 'fitRewardModel: validation', true);
  model.checkInput(train.trajectories, 'fitRewardModel: train.trajectories');
  model.checkInput(validation.trajectories, 'fitRewardModel: validation.trajectories');
  const steps = train.trajectories.steps;
  const o = resolve(options, steps);
  if (o.rankingWeight > 0 && train.groups === undefined) throw new Error('fitRewardModel: rankingWeight > 0 needs train.groups (the runs of each question)');
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
      const epochPlan = epochBatches(train, o, rng);
      const batches = epochPlan.length;
      let lossSum = 0;
      for (let b = 0; b < batches; b++) {
        const prefix = o.randomPrefixes ? o.minimumPrefix + rng.int(steps - o.minimumPrefix + 1) : steps;
        const loss = trainStep(model, optimizer, variables, train, epochPlan[b]!, prefix, positiveWeight, o, deriveSeed(o.seed, 'dropout', epoch, b));
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
  batch: Batch,
  prefix: number,
  positiveWeight: number,
  o: ResolvedOptions,
  dropoutSeed: number,
): number {
  const { runs } = batch;
  const x = inputTensor(train.trajectories, runs, prefix);
  const y = tf.tensor1d(runs.map((r) => (train.correct[r] ? 1 : 0)));
  const ranking = o.rankingWeight > 0 ? rankingRows(batch, train.correct) : null;
  const membership = ranking && tf.tensor2d(ranking.membership, [ranking.rows, runs.length]);
  const target = ranking && tf.tensor2d(ranking.target, [ranking.rows, runs.length]);
  try {
    const objective = (): tf.Scalar => {
      const logits = model.logits(x, dropoutSeed);
      const crossEntropy = binaryCrossEntropyFromLogits(logits, y, positiveWeight);
      return membership && target ? tf.add(crossEntropy, tf.mul(listwiseRankingLoss(logits, membership, target), o.rankingWeight)) : crossEntropy;
    };
    const { value, grads } = tf.variableGrads(objective, variables);
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
    membership?.dispose();
    target?.dispose();
  }
}
