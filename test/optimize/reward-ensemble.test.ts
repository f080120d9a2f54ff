/** Mixing a raw and a centred LRM's rewards, and choosing the raw weight with beta on validation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QuestionPool } from '../../src/optimize/candidate-pool.js';
import { ENSEMBLE_RAW_WEIGHTS, chooseEnsembleWeight, mixRewards } from '../../src/optimize/reward-ensemble.js';
import { chooseBeta } from '../../src/optimize/sweeps.js';

test('mixRewards multiplies the two odds, each raised to its weight', () => {
  // Odds 9 and 1 at weight 1/2: odds 3, probability 3/4.
  assert.ok(Math.abs(mixRewards([0.9], [0.5], 0.5)[0]! - 0.75) < 1e-7);
  // Weight 1 is the raw reward, weight 0 the centred one (up to float32 rounding).
  const raw = [0.1, 0.42, 0.97];
  const centred = [0.8, 0.05, 0.5];
  mixRewards(raw, centred, 1).forEach((r, i) => assert.ok(Math.abs(r - raw[i]!) < 1e-7, `${r} vs ${raw[i]}`));
  mixRewards(raw, centred, 0).forEach((r, i) => assert.ok(Math.abs(r - centred[i]!) < 1e-7, `${r} vs ${centred[i]}`));
  // A saturated score stays finite: certainty against certainty cancels at weight 1/2.
  assert.ok(Math.abs(mixRewards([1], [0], 0.5)[0]! - 0.5) < 1e-7);
  assert.ok(mixRewards([1], [1], 0.3)[0]! > 0.9999);
});

test('mixRewards: bad input is named', () => {
  assert.throws(() => mixRewards([0.5, 0.5], [0.5], 0.5), /2 raw rewards but 1 centred ones/);
  assert.throws(() => mixRewards([0.5], [0.5], 1.5), /raw weight 1.5; expected a number in \[0, 1\]/);
  assert.throws(() => mixRewards([0.5], [0.5], NaN), /raw weight NaN/);
  assert.throws(() => mixRewards([0.5, NaN], [0.5, 0.5], 0.5), /run 1 has rewards NaN \(raw\) and 0.5 \(centred\); expected probabilities in \[0, 1\]/);
  assert.throws(() => mixRewards([0.5], [-0.1], 0.5), /run 0 has rewards 0.5 \(raw\) and -0.1 \(centred\)/);
});

/** Questions whose correct run the raw rewards rank first and the centred ones last. */
function poolsAt(rawWeight: number): QuestionPool[] {
  return Array.from({ length: 5 }, () => ({
    answers: ['a', 'b', 'b'],
    correct: [true, false, false],
    rewards: mixRewards([0.9, 0.2, 0.3], [0.1, 0.8, 0.6], rawWeight),
  }));
}

test('chooseEnsembleWeight: the weight and beta with the best expected LTO accuracy; every weight reported', () => {
  const betas = [1e-3, 1e-1, 1];
  const choice = chooseEnsembleWeight(poolsAt, betas);
  assert.deepEqual(choice.all.map((w) => w.rawWeight), [...ENSEMBLE_RAW_WEIGHTS]);
  for (const w of choice.all) {
    const alone = chooseBeta(poolsAt(w.rawWeight), betas);
    assert.equal(w.beta, alone.beta);
    assert.equal(w.expectedAccuracy, alone.expectedAccuracy);
  }
  const best = Math.max(...choice.all.map((w) => w.expectedAccuracy));
  const first = choice.all.find((w) => w.expectedAccuracy === best)!;
  assert.deepEqual({ rawWeight: choice.rawWeight, beta: choice.beta, expectedAccuracy: choice.expectedAccuracy }, first);
  // The centred rewards alone would pick a wrong run, the raw ones the right one.
  assert.ok(choice.all[0]!.expectedAccuracy < 0.5);
  assert.ok(choice.all.at(-1)!.expectedAccuracy > 0.9);
  assert.ok(choice.rawWeight > 0 && choice.expectedAccuracy > 0.9);
});

test('chooseEnsembleWeight: a tie goes to the first weight given; no weights is an error', () => {
  const same = (): QuestionPool[] => [{ answers: ['a', 'b'], correct: [true, false], rewards: [0.9, 0.1] }];
  assert.equal(chooseEnsembleWeight(same, [0.1], [0.5, 0, 1]).rawWeight, 0.5);
  assert.throws(() => chooseEnsembleWeight(same, [0.1], []), /weights is empty/);
});
