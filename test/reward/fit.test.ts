/**
 * Training: the weighted cross-entropy against its formula, checkpoint selection on validation,
 * early stopping, progress and stop requests, class-balance modes, prefix training, the
 * within-question ranking term, bad options.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { rocAuc, withinGroupAuc } from '../../src/stats/roc.js';
import { ProbeRewardModel } from '../../src/reward/probe-reward-model.js';
import { TransformerRewardModel } from '../../src/reward/transformer-reward-model.js';
import { binaryCrossEntropyFromLogits, fitRewardModel, listwiseRankingLoss, type FitProgress } from '../../src/reward/fit.js';
import { trainRewardModel } from '../../src/reward/train-reward-model.js';
import { syntheticTrajectories } from './synthetic-trajectories.js';

const SHAPE = { steps: 8, width: 12 };
const train = syntheticTrajectories({ runs: 320, ...SHAPE, seed: 'train' });
const validation = syntheticTrajectories({ runs: 120, ...SHAPE, seed: 'validation' });
const testSet = syntheticTrajectories({ runs: 200, ...SHAPE, seed: 'test' });

before(async () => {
  await initBackend();
});

test('weighted cross-entropy matches -[w y log s(z) + (1 - y) log(1 - s(z))], finite at extreme logits', () => {
  const logits = [2, -1, 0.5, 40, -40];
  const labels = [1, 0, 1, 0, 1];
  const w = 2.5;
  const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
  // log(1 - s(40)) and log(s(-40)) computed as -softplus(40) = -(40 + log1p(e^-40)).
  const terms = [w * -Math.log(sigmoid(2)), -Math.log(1 - sigmoid(-1)), w * -Math.log(sigmoid(0.5)), 40 + Math.log1p(Math.exp(-40)), w * (40 + Math.log1p(Math.exp(-40)))];
  const expected = terms.reduce((a, b) => a + b, 0) / terms.length;
  const value = tf.tidy(() => binaryCrossEntropyFromLogits(tf.tensor1d(logits), tf.tensor1d(labels), w).dataSync()[0]!);
  assert.ok(Math.abs(value - expected) < 1e-4 * expected, `${value} vs ${expected}`);
});

test('keeps the best validation epoch and stops after `patience` epochs without improvement', async () => {
  // A small, clean validation set reaches AUROC 1 early, after which nothing can improve it.
  const easyValidation = syntheticTrajectories({ runs: 24, ...SHAPE, drift: 1, seed: 'easy' });
  const events: FitProgress[] = [];
  const model = ProbeRewardModel.create(SHAPE.width, 1);
  try {
    const fit = await fitRewardModel(model, train, easyValidation, { epochs: 40, patience: 2, batchSize: 64, learningRate: 1e-2, seed: 1, onProgress: (p) => events.push(p) });
    assert.equal(fit.stopReason, 'patience');
    assert.equal(fit.history.length, fit.bestEpoch + 2);
    const aurocs = fit.history.map((h) => h.validation.auroc);
    assert.equal(fit.best.auroc, Math.max(...aurocs));
    assert.equal(fit.bestEpoch, aurocs.indexOf(fit.best.auroc) + 1);
    assert.deepEqual(fit.history.map((h) => h.improved), aurocs.map((a, i) => aurocs.slice(0, i).every((b) => a > b)));
    // The model holds the kept epoch's weights, not the last epoch's.
    assert.equal(rocAuc(model.score(easyValidation.trajectories), easyValidation.correct), fit.best.auroc);
    const batches = Math.ceil(train.trajectories.runs / 64);
    assert.equal(events.filter((e) => e.kind === 'batch').length, batches * fit.history.length);
    assert.deepEqual(events.filter((e) => e.kind === 'epoch').map((e) => e.epoch), fit.history.map((h) => h.epoch));
    const last = events.at(-1)!;
    assert.ok(last.kind === 'epoch' && last.epochs === 40);
  } finally {
    model.dispose();
  }
});

test('selectBy f1 keeps the epoch with the best validation F1', async () => {
  const model = ProbeRewardModel.create(SHAPE.width, 2);
  try {
    const fit = await fitRewardModel(model, train, validation, { epochs: 4, patience: 4, selectBy: 'f1', learningRate: 3e-3, seed: 3 });
    const f1s = fit.history.map((h) => h.validation.f1);
    assert.equal(fit.best.f1, Math.max(...f1s));
    assert.equal(fit.bestEpoch, f1s.indexOf(fit.best.f1) + 1);
  } finally {
    model.dispose();
  }
});

test('shouldStop ends training after the current batch and keeps the best weights so far', async () => {
  let batches = 0;
  const model = ProbeRewardModel.create(SHAPE.width, 2);
  try {
    const fit = await fitRewardModel(model, train, validation, { epochs: 5, batchSize: 32, seed: 3, onProgress: (p) => { if (p.kind === 'batch') batches++; }, shouldStop: () => batches >= 3 });
    assert.equal(fit.stopReason, 'stopped');
    assert.equal(batches, 3);
    assert.equal(fit.history.length, 1);
  } finally {
    model.dispose();
  }
});

test('every class-balance mode learns an imbalanced problem; pos-weight and oversampling lift the rare class', async () => {
  const rare = syntheticTrajectories({ runs: 300, ...SHAPE, drift: 0.15, positiveShare: 0.12, seed: 'rare' });
  const rareValidation = syntheticTrajectories({ runs: 200, ...SHAPE, drift: 0.15, positiveShare: 0.12, seed: 'rare-validation' });
  const meanScore: Record<string, number> = {};
  const recall: Record<string, number> = {};
  for (const classBalance of ['none', 'pos-weight', 'oversample'] as const) {
    const model = ProbeRewardModel.create(SHAPE.width, 4);
    try {
      const fit = await fitRewardModel(model, rare, rareValidation, { epochs: 6, batchSize: 32, learningRate: 1e-2, classBalance, seed: 4 });
      assert.ok(fit.best.auroc > 0.75, `${classBalance}: validation AUROC ${fit.best.auroc}`);
      const scores = model.score(rareValidation.trajectories);
      let hits = 0;
      let positives = 0;
      scores.forEach((s, i) => {
        if (rareValidation.correct[i]) {
          positives++;
          if (s >= 0.5) hits++;
        }
      });
      recall[classBalance] = hits / positives;
      meanScore[classBalance] = scores.reduce((a, b) => a + b, 0) / scores.length;
    } finally {
      model.dispose();
    }
  }
  const report = JSON.stringify({ meanScore, recall });
  // Unweighted, the scores lean towards the 12% prior; balanced, both classes weigh the same.
  assert.ok(meanScore['pos-weight']! > meanScore['none']! && meanScore['oversample']! > meanScore['none']!, report);
  assert.ok(recall['pos-weight']! > recall['none']! && recall['oversample']! > recall['none']!, report);
});

test('training on random prefixes makes short prefixes score well', async () => {
  const { model, fit } = await trainRewardModel(train, validation, { model: { kind: 'transformer', dModel: 16, heads: 2, ffn: 32, mlpHidden: 16 }, epochs: 4, batchSize: 32, learningRate: 3e-3, randomPrefixes: true, minimumPrefix: 4, seed: 6 });
  try {
    assert.ok(fit.best.auroc > 0.9, `validation AUROC ${fit.best.auroc}`);
    const atFive = rocAuc(model.score(testSet.trajectories, { steps: 5 }), testSet.correct);
    assert.ok(atFive > 0.8, `AUROC from the first 5 steps: ${atFive}`);
  } finally {
    model.dispose();
  }
});

test('the ranking term is ListNet cross-entropy per question, and its gradient lifts correct runs within their question', () => {
  const logits = [0, 1, 2, 3, 5];
  // Question 0: runs 0 and 1, run 0 correct; question 1: runs 2..4, runs 2 and 3 correct.
  const membership = [[1, 1, 0, 0, 0], [0, 0, 1, 1, 1]];
  const target = [[1, 0, 0, 0, 0], [0, 0, 0.5, 0.5, 0]];
  const logSoftmax = (z: number[], i: number): number => z[i]! - Math.log(z.reduce((a, b) => a + Math.exp(b), 0));
  const expected = (-logSoftmax([0, 1], 0) - 0.5 * (logSoftmax([2, 3, 5], 0) + logSoftmax([2, 3, 5], 1))) / 2;
  const before = tf.memory().numTensors;
  const { value, gradient } = tf.tidy(() => {
    const m = tf.tensor2d(membership);
    const t = tf.tensor2d(target);
    const g = tf.grad((z: tf.Tensor) => listwiseRankingLoss(z as tf.Tensor1D, m, t))(tf.tensor1d(logits));
    return { value: listwiseRankingLoss(tf.tensor1d(logits), m, t).dataSync()[0]!, gradient: Array.from(g.dataSync()) };
  });
  assert.equal(tf.memory().numTensors, before);
  assert.ok(Math.abs(value - expected) < 1e-5, `${value} vs ${expected}`);
  // d/dz_i = (softmax_i - target_i) / questions, within each question.
  const softmax = (z: number[], i: number): number => Math.exp(logSoftmax(z, i));
  const want = [(softmax([0, 1], 0) - 1) / 2, softmax([0, 1], 1) / 2, (softmax([2, 3, 5], 0) - 0.5) / 2, (softmax([2, 3, 5], 1) - 0.5) / 2, softmax([2, 3, 5], 2) / 2];
  gradient.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-5, `d/dz${i}: ${g} vs ${want[i]}`));
});

test('with rankingWeight, batches hold whole questions; the fit learns, is seeded and leaves no tensors behind', async () => {
  // Consecutive blocks of 20 runs are the questions (labels are random, so nearly all are mixed).
  const grouped = (set: typeof train) => ({ ...set, groups: Array.from({ length: set.trajectories.runs / 20 }, (_, q) => Array.from({ length: 20 }, (_, k) => q * 20 + k)) });
  const groupedTrain = grouped(train);
  const fitOnce = async () => {
    const model = ProbeRewardModel.create(SHAPE.width, 1);
    const events: FitProgress[] = [];
    const before = tf.memory().numTensors;
    const fit = await fitRewardModel(model, groupedTrain, validation, { epochs: 15, patience: 15, batchSize: 64, learningRate: 3e-2, rankingWeight: 1, seed: 2, onProgress: (p) => events.push(p) });
    assert.equal(tf.memory().numTensors, before);
    const scores = model.score(testSet.trajectories);
    model.dispose();
    return { fit, events, scores };
  };
  const a = await fitOnce();
  // 16 questions of 20 runs packed until a batch has >= 64 runs: 4 batches of 80 runs per epoch.
  assert.deepEqual(a.events.filter((e) => e.kind === 'batch' && e.epoch === 1).map((e) => (e.kind === 'batch' ? e.batches : 0)), [4, 4, 4, 4]);
  assert.ok(a.fit.best.auroc > 0.9, `validation AUROC ${a.fit.best.auroc}`);
  const testGroups = grouped(testSet).groups;
  assert.ok(withinGroupAuc(a.scores, testSet.correct, testGroups).mean! > 0.85);
  assert.deepEqual((await fitOnce()).scores, a.scores);
});

test('a failed fit leaves the model exactly as it was', async () => {
  const model = TransformerRewardModel.create(SHAPE.width, 0, { dModel: 8, heads: 2, layers: 1 });
  try {
    const before = model.score(validation.trajectories);
    let batches = 0;
    await assert.rejects(fitRewardModel(model, train, validation, { epochs: 3, onProgress: () => {
      if (++batches === 4) throw new Error('display failed');
    } }), /display failed/);
    assert.deepEqual(model.score(validation.trajectories), before);
    await assert.rejects(fitRewardModel(model, train, validation, { learningRate: 1e9, gradClip: 1e9, seed: 1 }), /the loss became (NaN|Infinity) at epoch \d+, batch \d+; lower the learning rate/);
    assert.deepEqual(model.score(validation.trajectories), before);
  } finally {
    model.dispose();
  }
});

test('bad data and options are named', async () => {
  const model = TransformerRewardModel.create(SHAPE.width, 0, { dModel: 8, heads: 2, layers: 1 });
  const oneClass = { trajectories: validation.trajectories, correct: new Array<boolean>(validation.trajectories.runs).fill(true) };
  const narrow = syntheticTrajectories({ runs: 10, steps: 8, width: 5, seed: 1 });
  try {
    await assert.rejects(fitRewardModel(model, { trajectories: train.trajectories, correct: [true, false] }, validation), /fitRewardModel: train: correct has 2 labels but trajectories has 320 runs/);
    await assert.rejects(fitRewardModel(model, train, oneClass), /validation: needs both correct and incorrect runs, got 120 correct and 0 incorrect/);
    await assert.rejects(fitRewardModel(model, narrow, validation), /train.trajectories: width 5; this reward model expects states of width 12/);
    await assert.rejects(fitRewardModel(model, train, validation, { epochs: 0 }), /epochs is 0; expected an integer >= 1/);
    await assert.rejects(fitRewardModel(model, train, validation, { learningRate: -1 }), /learningRate is -1; expected a positive finite number/);
    await assert.rejects(fitRewardModel(model, train, validation, { classBalance: 'smote' as never }), /classBalance is "smote"/);
    await assert.rejects(fitRewardModel(model, train, validation, { selectBy: 'loss' as never }), /selectBy is "loss"; expected "auroc" or "f1"/);
    await assert.rejects(fitRewardModel(model, train, validation, { minimumPrefix: 9 }), /minimumPrefix 9 exceeds the 8 steps/);
    await assert.rejects(fitRewardModel(model, train, validation, { rankingWeight: 1 }), /rankingWeight > 0 needs train.groups/);
    await assert.rejects(fitRewardModel(model, train, validation, { rankingWeight: -1 }), /rankingWeight is -1; expected a non-negative finite number/);
    const halves = [Array.from({ length: 160 }, (_, i) => i), Array.from({ length: 160 }, (_, i) => 160 + i)];
    await assert.rejects(fitRewardModel(model, { ...train, groups: halves }, validation, { rankingWeight: 1, classBalance: 'oversample' }), /"oversample" cannot be combined with rankingWeight > 0/);
    await assert.rejects(fitRewardModel(model, { ...train, groups: [[0, 1], [1, 2]] }, validation, { rankingWeight: 1 }), /fitRewardModel: train: run 1 is in two groups/);
    await assert.rejects(fitRewardModel(model, { ...train, groups: [[0, 1]] }, validation, { rankingWeight: 1 }), /fitRewardModel: train: run 2 is in no group/);
    await assert.rejects(fitRewardModel(model, { ...train, groups: [[0, 400]] }, validation, { rankingWeight: 1 }), /groups\[0\] has run 400; expected an index in 0\.\.319/);
    await assert.rejects(trainRewardModel(train, validation, { model: { kind: 'svm' } as never }), /model kind "svm"; expected "transformer" or "probe"/);
  } finally {
    model.dispose();
  }
});
