/** Accuracy versus N and versus beta, expected LTO accuracy, and choosing beta. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import type { QuestionPool } from '../../src/optimize/candidate-pool.js';
import { firstRuns } from '../../src/optimize/candidate-pool.js';
import { evaluateMethods } from '../../src/optimize/evaluation.js';
import { accuracyVersusBeta, accuracyVersusRuns, chooseBeta, expectedLtoAccuracy } from '../../src/optimize/sweeps.js';

function syntheticPools(questions: number, runs: number, seed: number): QuestionPool[] {
  const rng = new Rng(seed);
  return Array.from({ length: questions }, () => {
    const correct = Array.from({ length: runs }, () => rng.uniform() < 0.35);
    return {
      answers: correct.map((c) => (c ? 'right' : `wrong${rng.int(3)}`)),
      correct,
      rewards: correct.map((c) => (c ? 0.6 : 0.45) + 0.1 * rng.normal()),
      latentSteps: correct.map(() => 32),
    };
  });
}

const POOLS = syntheticPools(120, 8, 1);

test('firstRuns keeps the first n runs of every field', () => {
  const p = firstRuns({ answers: ['a', 'b', 'c'], correct: [true, false, true], rewards: [1, 2, 3], coeC: [4, 5, 6] }, 2);
  assert.deepEqual(p, { answers: ['a', 'b'], correct: [true, false], rewards: [1, 2], coeC: [4, 5] });
  assert.throws(() => firstRuns(p, 3), /n is 3; expected an integer in 1\.\.2/);
});

test('accuracy versus N: with N = 1 every method is the single run; costs grow with N; oracle rises', () => {
  const sweep = accuracyVersusRuns(POOLS, [1, 4, 8], { beta: 1e-2, seed: 2, bootstrap: { samples: 100 } });
  assert.deepEqual(sweep.map((p) => p.runs), [1, 4, 8]);
  const single = sweep[0]!.methods.single!.accuracy;
  for (const [name, point] of Object.entries(sweep[0]!.methods)) {
    assert.equal(point.accuracy, single, name);
    assert.equal(point.latentSteps, 120 * 32, name);
  }
  assert.equal(sweep[2]!.methods.lto!.latentSteps, 120 * 8 * 32);
  assert.equal(sweep[2]!.methods.single!.latentSteps, 120 * 32);
  const oracle = sweep.map((p) => p.methods.oracle!.accuracy);
  assert.ok(oracle[0]! < oracle[1]! && oracle[1]! <= oracle[2]!, `oracle ${oracle}`);
  // The N = 8 point is the evaluation of the full pools.
  assert.equal(sweep[2]!.methods.majority!.accuracy, evaluateMethods(POOLS, { beta: 1e-2, seed: 2, methods: ['majority'] }).methods.majority!.accuracy);
  assert.throws(() => accuracyVersusRuns(POOLS, [9], { beta: 1 }), /run count 9; expected integers in 1\.\.8/);
});

test('accuracy versus beta: tiny beta is best-of-N, huge beta is run 0', () => {
  const base = evaluateMethods(POOLS, { beta: 1, methods: ['best_of_n', 'single'], bootstrap: { samples: 50 } });
  const curve = accuracyVersusBeta(POOLS, [1e-9, 1e-2, 1e9], { seed: 4, bootstrap: { samples: 50 } });
  assert.deepEqual(curve.map((p) => p.beta), [1e-9, 1e-2, 1e9]);
  assert.equal(curve[0]!.accuracy, base.methods.best_of_n!.accuracy);
  assert.equal(curve[2]!.accuracy, base.methods.single!.accuracy);
  assert.ok(curve.every((p) => p.latentSteps === 120 * 8 * 32));
  assert.throws(() => accuracyVersusBeta(POOLS, [], {}), /betas is empty/);
  assert.throws(() => accuracyVersusBeta(POOLS, [0.1, 0], {}), /beta is 0/);
});

test('expected LTO accuracy equals the mean over many seeded evaluations', () => {
  const beta = 0.05;
  const expected = expectedLtoAccuracy(POOLS, beta);
  let sum = 0;
  const repeats = 200;
  for (let s = 0; s < repeats; s++) sum += evaluateMethods(POOLS, { beta, seed: s, methods: ['lto'], bootstrap: { samples: 1 } }).methods.lto!.accuracy;
  // Each evaluation averages 120 questions; the mean of 200 has a standard error below 0.004.
  assert.ok(Math.abs(sum / repeats - expected) < 0.012, `sampled ${sum / repeats}, expected ${expected}`);
  // The limits: best-of-N and run 0.
  const best = evaluateMethods(POOLS, { beta: 1, methods: ['best_of_n', 'single'], bootstrap: { samples: 1 } });
  assert.equal(expectedLtoAccuracy(POOLS, 1e-9), best.methods.best_of_n!.accuracy);
  assert.ok(Math.abs(expectedLtoAccuracy(POOLS, 1e9) - best.methods.single!.accuracy) < 1e-6);
});

test('chooseBeta picks the highest expected accuracy on the pools it is given, ties to the first', () => {
  const betas = [1e9, 0.3, 0.03, 1e-9];
  const choice = chooseBeta(POOLS, betas);
  const best = Math.max(...choice.all.map((c) => c.expectedAccuracy));
  assert.equal(choice.expectedAccuracy, best);
  assert.equal(choice.beta, choice.all.find((c) => c.expectedAccuracy === best)!.beta);
  assert.deepEqual(choice.all.map((c) => c.beta), betas);
  // Two betas small enough to be exactly best-of-N tie; the first listed wins.
  assert.equal(chooseBeta(POOLS, [1e-12, 1e-9]).beta, 1e-12);
  assert.throws(() => chooseBeta(POOLS, []), /betas is empty/);
});
