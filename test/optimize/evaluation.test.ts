/**
 * Every method on hand-made pools whose outputs were worked out by hand (ties, empty answers,
 * CoE scores, costs), the summaries and paired comparisons, and bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import type { QuestionPool } from '../../src/optimize/candidate-pool.js';
import { applyMethod } from '../../src/optimize/methods.js';
import { availableMethods, evaluateMethods } from '../../src/optimize/evaluation.js';

const POOLS: QuestionPool[] = [
  // Majority says 7 (correct); the reward prefers 8 (wrong). Run 3 has no answer.
  { answers: ['7', '7', '8', ''], correct: [true, true, false, false], rewards: [0.2, 0.3, 0.9, 0.1], coeR: [1, 2, 3, 4], coeC: [4, 3, 2, 1], latentSteps: [10, 20, 30, 40] },
  // Majority and weighted vote say 2 (correct); the single best reward is on 3 (wrong).
  { answers: ['1', '2', '2', '3'], correct: [false, true, true, false], rewards: [0.1, 0.8, 0.7, 0.95], coeR: [0, 0, 5, 0], coeC: [1, 1, 1, 1] },
  // Nobody answered: every method falls back to run 0.
  { answers: ['', '', '', ''], correct: [false, false, false, false], rewards: [0.5, 0.5, 0.5, 0.5], coeR: [1, 1, 1, 1], coeC: [1, 1, 1, 1] },
  // A 2-2 vote tie goes to the first answer (5, wrong); the rewards prefer 6 (correct).
  { answers: ['5', '6', '5', '6'], correct: [false, true, false, true], rewards: [0.4, 0.9, 0.1, 0.2], coeR: [1, 1, 1, 1], coeC: [0, 3, 0, 0] },
];

const EXPECTED_RUNS: Record<string, number[]> = {
  single: [0, 0, 0, 0],
  majority: [0, 1, 0, 0],
  weighted_majority: [2, 1, 0, 1],
  best_of_n: [2, 3, 0, 1],
  coe_r: [3, 2, 0, 0],
  coe_c: [0, 0, 0, 1],
  lto: [2, 3, 0, 1],
  oracle: [0, 1, 0, 1],
};

const EXPECTED_CORRECT: Record<string, number[]> = {
  single: [1, 0, 0, 0],
  majority: [1, 1, 0, 0],
  weighted_majority: [0, 1, 0, 1],
  best_of_n: [0, 0, 0, 1],
  coe_r: [0, 1, 0, 0],
  coe_c: [1, 0, 0, 1],
  lto: [0, 0, 0, 1],
  oracle: [1, 1, 0, 1],
};

test('every method picks the hand-worked run on every question', () => {
  // beta -> 0: LTO is best-of-N.
  const e = evaluateMethods(POOLS, { beta: 1e-9, seed: 1, bootstrap: { samples: 200 } });
  assert.deepEqual(Object.keys(e.methods).sort(), Object.keys(EXPECTED_RUNS).sort());
  for (const [method, runs] of Object.entries(EXPECTED_RUNS)) {
    const r = e.methods[method as keyof typeof e.methods]!;
    assert.deepEqual(Array.from(r.selected), runs, `${method} runs`);
    assert.deepEqual(Array.from(r.correct), EXPECTED_CORRECT[method], `${method} correctness`);
    assert.equal(r.accuracy, EXPECTED_CORRECT[method]!.reduce((a, b) => a + b, 0) / 4);
    assert.ok(r.interval.lower <= r.accuracy && r.accuracy <= r.interval.upper, `${method} interval`);
    assert.equal(r.interval.level, 0.95);
  }
});

test('latent steps: the single run costs its own steps, every other method the whole pool', () => {
  const e = evaluateMethods(POOLS, { beta: 1e-3, bootstrap: { samples: 50 } });
  // Question 0 has explicit costs (run 0: 10, pool: 100); the others count 1 per run.
  assert.equal(e.methods.single!.latentSteps, 10 + 1 + 1 + 1);
  for (const method of ['majority', 'weighted_majority', 'best_of_n', 'coe_r', 'coe_c', 'lto', 'oracle'] as const) {
    assert.equal(e.methods[method]!.latentSteps, 100 + 4 + 4 + 4, method);
  }
  // Candidates examined by LTO: with beta = 1e-3 only each pool's best run (and the runs before it) pass the test.
  assert.equal(e.methods.lto!.acceptanceTests, 3 + 4 + 1 + 2);
  assert.equal(e.methods.majority!.acceptanceTests, undefined);
  const second = evaluateMethods(POOLS, { beta: 1e-3, single: 1, methods: ['single'], bootstrap: { samples: 50 } });
  assert.deepEqual(Array.from(second.methods.single!.selected), [1, 1, 1, 1]);
  assert.equal(second.methods.single!.latentSteps, 20 + 3);
});

test('paired comparisons: LTO against every baseline but the oracle, estimate = accuracy difference', () => {
  const e = evaluateMethods(POOLS, { beta: 1e-9, bootstrap: { samples: 300, seed: 2 } });
  assert.deepEqual(e.ltoVersus.map((c) => c.baseline), ['single', 'majority', 'weighted_majority', 'best_of_n', 'coe_r', 'coe_c']);
  for (const c of e.ltoVersus) {
    assert.ok(Math.abs(c.difference.estimate - (e.methods.lto!.accuracy - e.methods[c.baseline]!.accuracy)) < 1e-12, c.baseline);
    assert.ok(c.pValue > 0 && c.pValue <= 1);
  }
  // LTO and best-of-N agree on every question here, so there is no difference at all.
  const same = e.ltoVersus.find((c) => c.baseline === 'best_of_n')!;
  assert.deepEqual([same.difference.lower, same.difference.upper, same.pValue], [0, 0, 1]);
  assert.deepEqual(evaluateMethods(POOLS, { beta: 1, compare: false, bootstrap: { samples: 20 } }).ltoVersus, []);
});

test('a reward that tracks correctness: LTO beats the single run and majority, with intervals above zero', () => {
  const rng = new Rng(11);
  const pools: QuestionPool[] = Array.from({ length: 150 }, () => {
    const answers: string[] = [];
    const correct: boolean[] = [];
    const rewards: number[] = [];
    for (let r = 0; r < 10; r++) {
      // 30% of runs are right; wrong runs mostly agree on one wrong answer, so majority fails.
      const right = rng.uniform() < 0.3;
      answers.push(right ? '42' : rng.uniform() < 0.8 ? '41' : String(rng.int(1000)));
      correct.push(right);
      rewards.push(Math.min(1, Math.max(0, (right ? 0.7 : 0.4) + 0.15 * rng.normal())));
    }
    return { answers, correct, rewards };
  });
  const e = evaluateMethods(pools, { beta: 1e-2, seed: 3, bootstrap: { samples: 500, seed: 4 } });
  assert.deepEqual(Object.keys(e.methods), availableMethods(pools));
  assert.ok(!('coe_r' in e.methods) && !('coe_c' in e.methods));
  const versus = (b: string) => e.ltoVersus.find((c) => c.baseline === b)!;
  for (const baseline of ['single', 'majority']) {
    assert.ok(versus(baseline).difference.lower > 0, `${baseline}: ${JSON.stringify(versus(baseline))}`);
    assert.ok(versus(baseline).pValue < 0.01);
  }
  assert.ok(e.methods.oracle!.accuracy >= e.methods.lto!.accuracy);
});

test('the seed fixes LTO and the random single run; other seeds change them', () => {
  const options = { beta: 0.2, single: 'random' as const, methods: ['lto', 'single'] as const, bootstrap: { samples: 20 } };
  const a = evaluateMethods(POOLS, { ...options, seed: 5 });
  const b = evaluateMethods(POOLS, { ...options, seed: 5 });
  assert.deepEqual(a.methods.lto!.selected, b.methods.lto!.selected);
  assert.deepEqual(a.methods.single!.selected, b.methods.single!.selected);
  const variants = new Set(Array.from({ length: 20 }, (_, s) => Array.from(evaluateMethods(POOLS, { ...options, seed: s }).methods.single!.selected).join()));
  assert.ok(variants.size > 1);
  // Question q's draw does not depend on which other questions are evaluated.
  const alone = applyMethod('lto', POOLS[3]!, 3, { beta: 0.2, seed: 5 });
  assert.equal(alone.run, a.methods.lto!.selected[3]);
});

test('bad input is named', () => {
  const pool = POOLS[0]!;
  assert.throws(() => evaluateMethods([], { beta: 1 }), /pools is empty/);
  assert.throws(() => evaluateMethods([{ ...pool, rewards: [0.1, 0.2] }], { beta: 1 }), /pools\[0\]\.rewards has 2 values but the pool has 4 runs/);
  assert.throws(() => evaluateMethods([{ ...pool, correct: [true] }], { beta: 1 }), /pools\[0\]\.correct has 1 values but the pool has 4 runs/);
  assert.throws(() => evaluateMethods([pool, { ...pool, rewards: [0.1, NaN, 0.2, 0.3] }], { beta: 1 }), /pools\[1\]\.rewards\[1\] is NaN; expected a finite number/);
  assert.throws(() => evaluateMethods([{ ...pool, answers: [] }], { beta: 1 }), /pools\[0\]: no runs/);
  assert.throws(() => evaluateMethods([{ ...pool, latentSteps: [1, 2, -3, 4] }], { beta: 1 }), /latentSteps\[2\] is -3; expected a non-negative number/);
  assert.throws(() => evaluateMethods(POOLS, { beta: 0 }), /beta is 0; expected a number > 0/);
  assert.throws(() => evaluateMethods(POOLS, { beta: -2 }), /beta is -2/);
  assert.throws(() => evaluateMethods(POOLS, { beta: 1, accept: 0 }), /accept \(M\) is 0; expected an integer >= 1/);
  assert.throws(() => evaluateMethods(POOLS, { beta: 1, methods: ['lto', 'best_of_3' as never] }), /unknown method "best_of_3"/);
  const { coeR: _coeR, ...withoutCoe } = pool;
  assert.throws(() => evaluateMethods([withoutCoe], { beta: 1, methods: ['coe_r'] }), /coe_r needs pool\.coeR scores for question 0/);
  assert.throws(() => evaluateMethods(POOLS, { beta: 1, single: 9 }), /run 9 is outside 0\.\.3/);
});
