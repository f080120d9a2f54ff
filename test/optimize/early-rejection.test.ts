/**
 * Early rejection on hand-worked pools (who is drawn, stopped, finished; the cost charged; the
 * fallback; runs that finish before a checkpoint), its identity with LTO when nothing is rejected,
 * thresholds as validation quantiles, the batch rule (successive halving), acceptance levels, the choice on
 * validation, token-prefix pooling, bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, deriveSeed } from '../../src/tensor/random.js';
import { evaluateMethods } from '../../src/optimize/evaluation.js';
import { expectedLtoAccuracy } from '../../src/optimize/sweeps.js';
import {
  chooseEarlyRejection,
  earlyRejectionSample,
  type RunningRewards,
  evaluateEarlyRejection,
  expectedEarlyRejection,
  firstEarlyRejectionRuns,
  gridRule,
  heldOutEarlyRejection,
  heldOutSelectionRules,
  acceptanceLevels,
  keepSchedules,
  rejectionThresholds,
  tokenPrefixTrajectories,
  type EarlyRejectionPool,
} from '../../src/optimize/early-rejection.js';
import { poolTokenLatents } from '../../src/thoughts/pooling.js';
import { syntheticSet } from './synthetic-sets.js';

const POOL: EarlyRejectionPool = {
  answers: ['1', '2', '3', '2'],
  correct: [false, true, false, true],
  rewards: [0.3, 0.9, 0.1, 0.7],
  latentSteps: [10, 10, 10, 10],
  checkpoints: { rewards: [[0.1, 0.9, 0.2, 0.8]], costs: [[3, 3, 3, 3]] },
};

test('the rule draws in pool order, stops low prefixes, charges partial and full costs, stops at S survivors', () => {
  const one = earlyRejectionSample(POOL, { thresholds: [0.5], survivors: 1, beta: 1e-6 }, 1);
  assert.deepEqual({ ...one }, { latentSteps: 3 + 10, candidates: 2, rejected: 1, finished: [1], fallback: false, accepted: false, run: 1, correct: true });
  const two = earlyRejectionSample(POOL, { thresholds: [0.5], survivors: 2, beta: 1e-6 }, 1);
  assert.deepEqual({ ...two }, { latentSteps: 3 + 10 + 3 + 10, candidates: 4, rejected: 2, finished: [1, 3], fallback: false, accepted: false, run: 1, correct: true });
  // Nothing passes: every candidate is stopped, then the best-looking one (run 1, prefix 0.9) is finished.
  const none = earlyRejectionSample(POOL, { thresholds: [0.95], survivors: 3, beta: 1e-6 }, 1);
  assert.deepEqual({ ...none }, { latentSteps: 4 * 3 + 7, candidates: 4, rejected: 4, finished: [1], fallback: true, accepted: false, run: 1, correct: true });
  // Run 0 finishes (3 steps) before the checkpoint at 3 steps, so it is never tested; the final choice is among finished runs.
  const short = earlyRejectionSample({ ...POOL, latentSteps: [3, 10, 10, 10] }, { thresholds: [0.5], survivors: 2, beta: 1e-6 }, 1);
  assert.deepEqual({ ...short }, { latentSteps: 3 + 10, candidates: 2, rejected: 0, finished: [0, 1], fallback: false, accepted: false, run: 1, correct: true });
  // Two checkpoints: run 3 passes the first (0.8 >= 0.5) and is stopped at the second (0.4 < 0.6) after 6 steps.
  const twoCheckpoints: EarlyRejectionPool = { ...POOL, checkpoints: { rewards: [[0.1, 0.9, 0.2, 0.8], [0.1, 0.9, 0.2, 0.4]], costs: [[3, 3, 3, 3], [6, 6, 6, 6]] } };
  const r = earlyRejectionSample(twoCheckpoints, { thresholds: [0.5, 0.6], survivors: 4, beta: 1e-6 }, 1);
  assert.deepEqual({ ...r }, { latentSteps: 3 + 10 + 3 + 6, candidates: 4, rejected: 3, finished: [1], fallback: false, accepted: false, run: 1, correct: true });
});

test('a relative margin also stops a candidate whose prefix trails the best one drawn before it', () => {
  // Run 2's prefix (0.2) is more than 0.5 below run 1's (0.9); runs 0 and 3 are not.
  const r = earlyRejectionSample(POOL, { thresholds: [-Infinity], margin: 0.5, survivors: 4, beta: 1e-6 }, 1);
  assert.deepEqual({ ...r }, { latentSteps: 10 + 10 + 3 + 10, candidates: 4, rejected: 1, finished: [0, 1, 3], fallback: false, accepted: false, run: 1, correct: true });
  // The first candidate has nothing to trail; margin 0 keeps only new bests (run 3's 0.8 < 0.9 is stopped).
  const zero = earlyRejectionSample(POOL, { thresholds: [-Infinity], margin: 0, survivors: 4, beta: 1e-6 }, 1);
  assert.deepEqual(zero.finished, [0, 1]);
  // A candidate stopped at a later checkpoint still sets the best at the checkpoints it passed:
  // run 0 passes checkpoint 0 with 0.9 and is stopped at checkpoint 1 (0.1 < 0.5); run 1 (0.5) then trails it at checkpoint 0.
  const raised: EarlyRejectionPool = { ...POOL, checkpoints: { rewards: [[0.9, 0.5, 0.95, 0.6], [0.1, 0.9, 0.9, 0.9]], costs: [[3, 3, 3, 3], [6, 6, 6, 6]] } };
  const s = earlyRejectionSample(raised, { thresholds: [-Infinity, 0.5], margin: 0.3, survivors: 4, beta: 1e-6 }, 1);
  assert.deepEqual({ ...s }, { latentSteps: 6 + 3 + 10 + 3, candidates: 4, rejected: 3, finished: [2], fallback: false, accepted: false, run: 2, correct: false });
  // An infinite margin, or none, tests nothing.
  const pools = randomPools(40, 8, 9, true);
  for (const thresholds of [[-Infinity, -Infinity], rejectionThresholds(pools, 0.3)]) {
    const plain = evaluateEarlyRejection(pools, { thresholds, survivors: 5, beta: 0.01 }, { seed: 2, bootstrap: { samples: 10 } });
    const infinite = evaluateEarlyRejection(pools, { thresholds, margin: Infinity, survivors: 5, beta: 0.01 }, { seed: 2, bootstrap: { samples: 10 } });
    assert.deepEqual([infinite.selected, infinite.latentSteps, infinite.rejected], [plain.selected, plain.latentSteps, plain.rejected]);
  }
});

test('the batch rule: every candidate at once, the k_c best prefixes go on at each checkpoint', () => {
  const twoCheckpoints: EarlyRejectionPool = { ...POOL, checkpoints: { rewards: [[0.1, 0.9, 0.2, 0.8], [0.1, 0.5, 0.7, 0.6]], costs: [[3, 3, 3, 3], [6, 6, 6, 6]] } };
  // Checkpoint 0 keeps runs 1, 3, 2 (0.9, 0.8, 0.2) and stops run 0; checkpoint 1 keeps run 2 (0.7) and stops 1 and 3.
  const r = earlyRejectionSample(twoCheckpoints, { thresholds: [-Infinity, -Infinity], survivors: 4, keep: [3, 1], beta: 1e-6 }, 1);
  assert.deepEqual({ ...r }, { latentSteps: 3 + 6 + 10 + 6, candidates: 4, rejected: 3, finished: [2], fallback: false, accepted: false, run: 2, correct: false });
  // A margin is measured from the best of the batch at the checkpoint (0.9): runs 0 and 2 stop at once.
  const m = earlyRejectionSample(twoCheckpoints, { thresholds: [-Infinity, -Infinity], margin: 0.5, survivors: 4, keep: [4, 4], beta: 1e-6 }, 1);
  assert.deepEqual({ ...m }, { latentSteps: 3 + 10 + 3 + 10, candidates: 4, rejected: 2, finished: [1, 3], fallback: false, accepted: false, run: 1, correct: true });
  // Run 0 finishes before the first checkpoint: it is never compared, and it is not counted among the k_c.
  const short = earlyRejectionSample({ ...twoCheckpoints, latentSteps: [3, 10, 10, 10] }, { thresholds: [-Infinity, -Infinity], survivors: 4, keep: [1, 1], beta: 1e-6 }, 1);
  assert.deepEqual({ ...short }, { latentSteps: 3 + 10 + 3 + 3, candidates: 4, rejected: 2, finished: [0, 1], fallback: false, accepted: false, run: 1, correct: true });
  // Thresholds stop everyone: the best-rewarded stopped candidate is finished.
  const none = earlyRejectionSample(twoCheckpoints, { thresholds: [0.95, -Infinity], survivors: 4, keep: [4, 4], beta: 1e-6 }, 1);
  assert.deepEqual({ ...none }, { latentSteps: 4 * 3 + 7, candidates: 4, rejected: 4, finished: [1], fallback: true, accepted: false, run: 1, correct: true });
  // Keeping every candidate is LTO itself, question by question.
  const pools = randomPools(60, 8, 4, true);
  const all = evaluateEarlyRejection(pools, { thresholds: [-Infinity, -Infinity], survivors: 8, keep: [8, 8], beta: 0.05 }, { seed: 7, bootstrap: { samples: 20 } });
  const lto = evaluateMethods(pools, { beta: 0.05, seed: 7, methods: ['lto'], bootstrap: { samples: 20 } }).methods.lto!;
  assert.deepEqual([all.selected, all.latentSteps, all.rejected], [lto.selected, lto.latentSteps, 0]);
});

test('an acceptance level stops drawing once a finished candidate is rewarded at least alpha', () => {
  const open = { thresholds: [-Infinity], survivors: 4, beta: 1e-6 };
  // Run 0 (0.3) does not reach 0.8; run 1 (0.9) does: runs 2 and 3 are never drawn.
  const r = earlyRejectionSample(POOL, { ...open, accept: 0.8 }, 1);
  assert.deepEqual({ ...r }, { latentSteps: 20, candidates: 2, rejected: 0, finished: [0, 1], fallback: false, accepted: true, run: 1, correct: true });
  // k_min = 3: the stop waits for a third finished candidate (the best so far, 0.9, is >= 0.8 then).
  const three = earlyRejectionSample(POOL, { ...open, accept: 0.8, minFinished: 3 }, 1);
  assert.deepEqual([three.finished, three.latentSteps, three.accepted], [[0, 1, 2], 30, true]);
  // A level no reward reaches: every candidate is drawn, as LTO; S still caps the draw.
  const never = earlyRejectionSample(POOL, { ...open, accept: 0.95 }, 1);
  assert.deepEqual([never.finished, never.accepted], [[0, 1, 2, 3], false]);
  assert.deepEqual(earlyRejectionSample(POOL, { ...open, accept: 0.95, survivors: 2 }, 1).finished, [0, 1]);
  // Prefix rejection and acceptance together: run 0 is stopped at the checkpoint, run 1 is accepted.
  const both = earlyRejectionSample(POOL, { thresholds: [0.5], survivors: 4, beta: 1e-6, accept: 0.8 }, 1);
  assert.deepEqual([both.finished, both.rejected, both.latentSteps, both.accepted], [[1], 1, 13, true]);
  // With running rewards, the level is tested on the rewards of the finished candidates computed
  // among themselves (here: each reward minus their mean, so a lone candidate scores 0).
  const asked: number[][] = [];
  const centred = earlyRejectionSample({
    ...POOL,
    running: (c, runs) => {
      if (c === 1) asked.push([...runs]);
      const raw = runs.map((i) => (c === 0 ? POOL.checkpoints.rewards[0]![i]! : POOL.rewards[i]!));
      const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
      return raw.map((x) => x - mean);
    },
  }, { ...open, accept: 0.25 }, 1);
  // {0}: 0; {0, 1}: -0.3, +0.3 >= 0.25: stop; LTO then picks run 1 from the same rewards.
  assert.deepEqual([centred.finished, centred.accepted, centred.run], [[0, 1], true, 1]);
  assert.deepEqual(asked, [[0], [0, 1], [0, 1]]);
  // Levels are quantiles of the full rewards of every run.
  assert.deepEqual(acceptanceLevels([POOL], [0, 0.5, 1]), [0.1, 0.5, 0.9]);
  assert.deepEqual(acceptanceLevels([POOL], []), []);
  assert.throws(() => earlyRejectionSample(POOL, { ...open, accept: NaN }, 1), /accept is NaN; expected a reward level/);
  assert.throws(() => earlyRejectionSample(POOL, { ...open, accept: 0.5, keep: [2] }, 1), /accept is for the sequential rule/);
  assert.throws(() => earlyRejectionSample(POOL, { ...open, accept: 0.5, minFinished: 0 }, 1), /minFinished is 0; expected an integer >= 1/);
  assert.throws(() => chooseEarlyRejection([POOL], { beta: 1, quantiles: [0], survivors: [1], acceptQuantiles: [2] }), /acceptQuantiles is \[2\]; expected quantiles in \[0, 1\]/);
  assert.throws(() => chooseEarlyRejection([POOL], { beta: 1, quantiles: [0], survivors: [1], acceptQuantiles: [0.5], minFinished: [] }), /minFinished is \[\]; expected integers >= 1/);
});

test('the choice on validation with acceptance levels: easy questions stop early, the grid grows by levels x k_min', () => {
  // Rewards that tell correct runs apart, on questions most of whose runs are right: one well-rewarded
  // finished run is enough, so an acceptance stop saves most of the steps at LTO's accuracy.
  const rng = new Rng(21);
  const validation: EarlyRejectionPool[] = Array.from({ length: 300 }, () => {
    const p = rng.uniform() < 0.7 ? 0.9 : 0.3;
    const correct = Array.from({ length: 10 }, () => rng.uniform() < p);
    const latentSteps = correct.map(() => 30);
    return {
      answers: correct.map((c) => (c ? 'a' : `w${rng.int(3)}`)),
      correct,
      rewards: correct.map((c) => Math.min(1, Math.max(0, (c ? 0.85 : 0.3) + 0.08 * rng.normal()))),
      latentSteps,
      checkpoints: { rewards: [correct.map(() => rng.uniform())], costs: [latentSteps.map(() => 5)] },
    };
  });
  const options = { beta: 1e-3, quantiles: [0], survivors: [10], tolerance: 0.01 };
  const plain = chooseEarlyRejection(validation, options);
  const withAccept = chooseEarlyRejection(validation, { ...options, acceptQuantiles: [0.5, 0.9], minFinished: [1, 2] });
  assert.equal(withAccept.grid.length, plain.grid.length + 4);
  assert.ok(plain.grid.every((g) => g.accept === null));
  const levels = acceptanceLevels(validation, [0.5, 0.9]);
  assert.deepEqual(withAccept.grid.filter((g) => g.accept !== null).map((g) => [g.accept!.level, g.accept!.quantile, g.accept!.minFinished, g.survivors, g.keep]), [
    [levels[0], 0.5, 1, 10, null], [levels[0], 0.5, 2, 10, null], [levels[1], 0.9, 1, 10, null], [levels[1], 0.9, 2, 10, null],
  ]);
  assert.ok(withAccept.chosen.accept !== null && withAccept.chosen.lowerBound >= -0.01 - 1e-12, JSON.stringify(withAccept.chosen));
  assert.ok(withAccept.chosen.latentSteps < 0.6 * withAccept.reference.latentSteps, JSON.stringify(withAccept.chosen));
  // The chosen point's rule is the acceptance rule it was scored as.
  const rule = gridRule(withAccept.chosen, 1e-3);
  assert.deepEqual([rule.accept, rule.minFinished], [withAccept.chosen.accept!.level, withAccept.chosen.accept!.minFinished]);
  assert.ok(Math.abs(expectedEarlyRejection(validation, rule).accuracy - withAccept.chosen.accuracy) < 1e-12);
});

/** The pool with running rewards. */
function withRunning(pool: EarlyRejectionPool, running: RunningRewards): EarlyRejectionPool {
  return { ...pool, running };
}

test('running rewards: the batch rule scores only the candidates still running, and LTO the finished ones', () => {
  const twoCheckpoints: EarlyRejectionPool = { ...POOL, checkpoints: { rewards: [[0.1, 0.9, 0.2, 0.8], [0.1, 0.5, 0.7, 0.6]], costs: [[3, 3, 3, 3], [6, 6, 6, 6]] } };
  const rule = { thresholds: [-Infinity, -Infinity], survivors: 4, keep: [3, 1], beta: 1e-6 };
  // Running rewards equal to the pool's: the same outcome as the precomputed rule.
  const calls: [number, number[]][] = [];
  const same = earlyRejectionSample(withRunning(twoCheckpoints, (c, runs) => {
    calls.push([c, [...runs]]);
    return runs.map((i) => (c < 2 ? twoCheckpoints.checkpoints.rewards[c]![i]! : twoCheckpoints.rewards[i]!));
  }), rule, 1);
  assert.deepEqual({ ...same }, { ...earlyRejectionSample(twoCheckpoints, rule, 1) });
  // Asked for: every candidate at checkpoint 0, the three not stopped at checkpoint 1, the finished one at the end.
  assert.deepEqual(calls, [[0, [0, 1, 2, 3]], [1, [1, 2, 3]], [2, [2]]]);
  // Rewards centred on the running candidates (here: minus their mean) change who goes on.
  const centred = earlyRejectionSample(withRunning(twoCheckpoints, (c, runs) => {
    const raw = runs.map((i) => (c < 2 ? twoCheckpoints.checkpoints.rewards[c]![i]! : twoCheckpoints.rewards[i]!));
    const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
    return raw.map((r, k) => (c === 1 && runs[k] === 3 ? r + 1 : r - mean));
  }), { ...rule, keep: [2, 1] }, 1);
  assert.deepEqual([centred.finished, centred.run, centred.latentSteps], [[3], 3, 3 + 6 + 3 + 10]);
  // The sequential rule: each candidate scored with those drawn before it (run 0 alone: centred, 0).
  const sequential = { thresholds: [-Infinity, -Infinity], margin: 0.05, survivors: 4, beta: 1e-6 };
  const asked: [number, number[]][] = [];
  const seq = earlyRejectionSample(withRunning(twoCheckpoints, (c, runs) => {
    asked.push([c, [...runs]]);
    const raw = runs.map((i) => (c < 2 ? twoCheckpoints.checkpoints.rewards[c]![i]! : twoCheckpoints.rewards[i]!));
    const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
    return raw.map((r) => r - mean);
  }), sequential, 1);
  // Run 0: 0, 0 (alone); run 1: +0.4 at c0 (vs 0 best), +0.2 at c1; run 2: at c0 0.2 - 0.4 = -0.2 trails 0.4 by 0.6: stopped;
  // run 3: at c0 0.8 - 0.5 = 0.3 (with 0, 1, 2 and itself) trails 0.4 by 0.1: stopped.
  assert.deepEqual(asked.slice(0, 4), [[0, [0]], [1, [0]], [0, [0, 1]], [1, [0, 1]]]);
  assert.deepEqual([seq.finished, seq.rejected, seq.latentSteps], [[0, 1], 2, 10 + 10 + 3 + 3]);
  assert.deepEqual(asked.at(-1), [2, [0, 1]]);
  assert.deepEqual({ ...earlyRejectionSample(withRunning(twoCheckpoints, (c, runs) => runs.map((i) => (c < 2 ? twoCheckpoints.checkpoints.rewards[c]![i]! : twoCheckpoints.rewards[i]!))), sequential, 1) }, { ...earlyRejectionSample(twoCheckpoints, sequential, 1) });
  assert.throws(() => earlyRejectionSample(withRunning(twoCheckpoints, () => [1]), rule, 1), /running rewards at checkpoint 0 gave 1 values for 4 runs/);
  assert.throws(() => earlyRejectionSample(withRunning(twoCheckpoints, (_, runs) => runs.map(() => NaN)), rule, 1), /running reward of run 0 at checkpoint 0 is NaN/);
});

test('batch schedules: non-increasing counts from fractions of N, all-N left out', () => {
  assert.deepEqual(keepSchedules(10, 2, [1, 0.5]), [[10, 5], [5, 5]]);
  assert.deepEqual(keepSchedules(20, 1), [[12], [8], [6], [4], [2]]);
  assert.equal(keepSchedules(20, 3).length, 55);
  for (const k of keepSchedules(20, 3)) assert.ok(k[0]! >= k[1]! && k[1]! >= k[2]! && k[2]! < 20, JSON.stringify(k));
  assert.throws(() => keepSchedules(0, 2), /runs is 0; expected a positive integer/);
  assert.throws(() => keepSchedules(10, 2, [0]), /fraction 0; expected numbers in \(0, 1\]/);
});

function randomPools(questions: number, runs: number, seed: number, informative: boolean): EarlyRejectionPool[] {
  const rng = new Rng(seed);
  return Array.from({ length: questions }, () => {
    const correct = Array.from({ length: runs }, () => rng.uniform() < 0.4);
    const noisy = (c: boolean, spread: number) => Math.min(1, Math.max(0, (informative ? (c ? 0.65 : 0.35) : 0.5) + spread * rng.normal()));
    const latentSteps = correct.map(() => 9 * (2 + rng.int(8)));
    return {
      answers: correct.map((c) => (c ? 'a' : `w${rng.int(3)}`)),
      correct,
      rewards: correct.map((c) => noisy(c, 0.1)),
      latentSteps,
      checkpoints: { rewards: [correct.map((c) => noisy(c, 0.2)), correct.map((c) => noisy(c, 0.15))], costs: [latentSteps.map((s) => s / 3), latentSteps.map((s) => s / 2)] },
    };
  });
}

test('nothing rejected and S = N is LTO itself: same output per question, same cost, same expected accuracy', () => {
  const pools = randomPools(60, 8, 1, true);
  for (const beta of [1e-3, 0.05, 1]) {
    const rule = { thresholds: [-Infinity, -Infinity], survivors: 8, beta };
    const early = evaluateEarlyRejection(pools, rule, { seed: 7, bootstrap: { samples: 50 } });
    const lto = evaluateMethods(pools, { beta, seed: 7, methods: ['lto'], bootstrap: { samples: 50 } }).methods.lto!;
    assert.deepEqual(early.selected, lto.selected, `beta ${beta}`);
    assert.equal(early.latentSteps, lto.latentSteps);
    assert.equal(early.rejected, 0);
    assert.ok(Math.abs(expectedEarlyRejection(pools, rule).accuracy - expectedLtoAccuracy(pools, beta)) < 1e-12);
    assert.deepEqual(rejectionThresholds(pools, 0), [-Infinity, -Infinity]);
  }
});

test('thresholds are quantiles of the prefix rewards of runs that reach the checkpoint', () => {
  assert.deepEqual(rejectionThresholds([POOL], 0.5), [0.5]);
  assert.deepEqual(rejectionThresholds([POOL], 1), [0.9]);
  // Run 1 finishes before the checkpoint, so its 0.9 is not counted: quantile of [0.1, 0.2, 0.8].
  assert.deepEqual(rejectionThresholds([{ ...POOL, latentSteps: [10, 2, 10, 10] }], 1), [0.8]);
  assert.deepEqual(rejectionThresholds([{ ...POOL, latentSteps: [1, 1, 1, 1] }], 0.5), [-Infinity]);
});

test('the choice on validation: informative prefixes save steps at LTO accuracy; uninformative ones do not pay', () => {
  const validation = randomPools(300, 10, 2, true);
  const options = { beta: 1e-3, quantiles: [0, 0.2, 0.4, 0.6], survivors: [2, 4, 6, 10], tolerance: 0.01 };
  const c = chooseEarlyRejection(validation, options);
  assert.equal(c.grid.length, 16);
  assert.ok(c.chosen.lowerBound >= -0.01 - 1e-12 && c.chosen.accuracy >= c.reference.accuracy - 0.01);
  assert.ok(c.chosen.latentSteps < 0.7 * c.reference.latentSteps, JSON.stringify(c.chosen));
  for (const g of c.grid) if (g.lowerBound >= -0.01) assert.ok(g.latentSteps >= c.chosen.latentSteps);
  // The grid's (q = 0, S = N) point is LTO.
  const lto = c.grid.find((g) => g.quantile === 0 && g.survivors === 10)!;
  assert.ok(Math.abs(lto.accuracy - c.reference.accuracy) < 1e-12 && lto.latentSteps === c.reference.latentSteps);
  // Deterministic, and only the pools given are used.
  assert.deepEqual(chooseEarlyRejection(validation, options), c);
  // Margins multiply the grid; with m = Infinity in it, the choice is never costlier than with thresholds alone.
  const withMargins = chooseEarlyRejection(validation, { ...options, margins: [Infinity, 2, 0.2] });
  assert.equal(withMargins.grid.length, 48);
  assert.deepEqual(withMargins.grid.filter((g) => g.margin === Infinity).map((g) => [g.accuracy, g.latentSteps]), c.grid.map((g) => [g.accuracy, g.latentSteps]));
  assert.ok(withMargins.chosen.latentSteps <= c.chosen.latentSteps && withMargins.chosen.lowerBound >= -0.01 - 1e-12);
  // Batch schedules add to the grid (every margin, no thresholds); the choice is never costlier with them.
  const withBatch = chooseEarlyRejection(validation, { ...options, keeps: [[6, 3], [4, 2]] });
  assert.equal(withBatch.grid.length, 16 + 2);
  assert.ok(withBatch.grid.filter((g) => g.keep !== null).every((g) => g.quantile === 0 && g.thresholds.every((t) => t === -Infinity)));
  assert.deepEqual(withBatch.grid.filter((g) => g.keep === null).map((g) => [g.accuracy, g.latentSteps]), c.grid.map((g) => [g.accuracy, g.latentSteps]));
  const batch = withBatch.grid.find((g) => g.quantile === 0 && g.keep?.join() === '4,2')!;
  assert.ok(Math.abs(batch.accuracy - expectedEarlyRejection(validation, { thresholds: [-Infinity, -Infinity], survivors: 10, keep: [4, 2], beta: 1e-3 }).accuracy) < 1e-12);
  assert.ok(withBatch.chosen.latentSteps <= c.chosen.latentSteps && withBatch.chosen.lowerBound >= -0.01 - 1e-12);
  // With tolerance 0, (q = 0, S = N) always qualifies, so the choice is never below LTO on validation.
  const strict = chooseEarlyRejection(randomPools(200, 10, 3, false), { ...options, tolerance: 0 });
  assert.ok(strict.chosen.accuracy >= strict.reference.accuracy - 1e-12);
});

test('the non-inferiority bound: paired difference and standard error over questions, z standard errors below', () => {
  const validation = randomPools(120, 10, 4, true);
  const options = { beta: 0.05, quantiles: [0, 0.3, 0.6], survivors: [2, 5, 10], tolerance: 0.01 };
  const c = chooseEarlyRejection(validation, options);
  const lto = { thresholds: [-Infinity, -Infinity], survivors: 10, beta: 0.05 };
  for (const g of c.grid) {
    // Recomputed question by question through the public per-pool expectation.
    const d = validation.map((p) => expectedEarlyRejection([p], { thresholds: g.thresholds, survivors: g.survivors, beta: 0.05 }).accuracy - expectedEarlyRejection([p], lto).accuracy);
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const se = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1) / d.length);
    assert.ok(Math.abs(g.difference - mean) < 1e-12 && Math.abs(g.difference - (g.accuracy - c.reference.accuracy)) < 1e-12);
    assert.ok(Math.abs(g.standardError - se) < 1e-12);
    assert.ok(Math.abs(g.lowerBound - (mean - 1.645 * se)) < 1e-12);
  }
  // LTO itself differs from LTO by exactly 0 with no spread, so it always qualifies.
  const itself = c.grid.find((g) => g.quantile === 0 && g.survivors === 10)!;
  assert.deepEqual([itself.difference, itself.standardError, itself.lowerBound], [0, 0, 0]);
  // 0 standard errors is the point-estimate rule; demanding more never makes the choice cheaper.
  const point = chooseEarlyRejection(validation, { ...options, standardErrors: 0 });
  for (const g of point.grid) if (g.accuracy >= point.reference.accuracy - 0.01) assert.ok(g.latentSteps >= point.chosen.latentSteps);
  let previous = 0;
  for (const standardErrors of [0, 1, 1.645, 3]) {
    const steps = chooseEarlyRejection(validation, { ...options, standardErrors }).chosen.latentSteps;
    assert.ok(steps >= previous, `standardErrors ${standardErrors}`);
    previous = steps;
  }
});

test('the held-out check judges the selection rule on validation halves it was not chosen on', () => {
  const validation = randomPools(200, 10, 5, true);
  const options = { beta: 0.05, quantiles: [0, 0.3, 0.6], survivors: [2, 5, 10], tolerance: 0.01, splits: 12, seed: 3 };
  const h = heldOutEarlyRejection(validation, options);
  assert.equal(h.splits, 12);
  assert.ok(h.withinTolerance >= 0 && h.withinTolerance <= 1 && h.stepFraction > 0 && h.stepFraction <= 1, JSON.stringify(h));
  assert.deepEqual(heldOutEarlyRejection(validation, options), h);
  // Only LTO in the grid: the chosen setting is LTO on every half, so it matches LTO exactly.
  assert.deepEqual({ ...heldOutEarlyRejection(validation, { ...options, quantiles: [0], survivors: [10] }) }, { splits: 12, difference: 0, withinTolerance: 1, stepFraction: 1 });
  // One split by hand: the same halves, chosen on the first, measured on the second.
  const one = heldOutEarlyRejection(validation, { ...options, splits: 1 });
  const order = new Rng(deriveSeed(3, 'held-out halves', 0)).shuffle(validation.map((_, q) => q));
  const chosen = chooseEarlyRejection(order.slice(0, 100).map((q) => validation[q]!), options).chosen;
  const rest = order.slice(100).map((q) => validation[q]!);
  const early = expectedEarlyRejection(rest, { thresholds: chosen.thresholds, survivors: chosen.survivors, beta: 0.05 });
  const lto = expectedEarlyRejection(rest, { thresholds: [-Infinity, -Infinity], survivors: 10, beta: 0.05 });
  assert.ok(Math.abs(one.difference - (early.accuracy - lto.accuracy)) < 1e-12);
  assert.ok(Math.abs(one.stepFraction - early.latentSteps / lto.latentSteps) < 1e-12);
  // Several selection rules on the same splits: each is the single-rule check (batch schedules too).
  const batch = { ...options, keeps: [[5, 2], [2, 2]] };
  const rules = heldOutSelectionRules(validation, batch, [0, 1.645]);
  assert.deepEqual(rules, [heldOutEarlyRejection(validation, { ...batch, standardErrors: 0 }), heldOutEarlyRejection(validation, { ...batch, standardErrors: 1.645 })]);
});

test('first runs of an early-rejection pool keep every per-run field aligned', () => {
  const p = firstEarlyRejectionRuns(POOL, 2);
  assert.deepEqual(p.answers, ['1', '2']);
  assert.deepEqual(p.checkpoints, { rewards: [[0.1, 0.9]], costs: [[3, 3]] });
  assert.deepEqual(p.latentSteps, [10, 10]);
  assert.throws(() => firstEarlyRejectionRuns(POOL, 5), /n is 5; expected an integer in 1\.\.4/);
});

test('token prefixes: the mean of the first min(k, tokens) token latents; k >= tokens gives the pooled trajectory', () => {
  const set = syntheticSet({ domain: 'd', split: 'test', questions: 3, runs: 4, states: 4, width: 5, seed: 1, keepTokenLatents: true });
  const prefixes = tokenPrefixTrajectories(set, [1, 3, 100]);
  const per = set.states * set.width;
  for (let r = 0; r < set.size; r++) {
    const latents = set.tokenLatentsOf(r);
    const tokens = set.runs[r]!.tokens;
    assert.deepEqual(prefixes.trajectories[0]!.data.subarray(r * per, (r + 1) * per), latents.subarray(0, per));
    const three = poolTokenLatents(latents.subarray(0, Math.min(3, tokens) * per), Math.min(3, tokens), set.states, set.width, 'mean');
    assert.deepEqual(prefixes.trajectories[1]!.data.subarray(r * per, (r + 1) * per), three);
    assert.deepEqual(prefixes.trajectories[2]!.data.subarray(r * per, (r + 1) * per), set.trajectories.data.subarray(r * per, (r + 1) * per));
  }
  assert.throws(() => tokenPrefixTrajectories(set, [2, 2]), /token checkpoint 1 is 2; expected increasing positive integers/);
  const without = syntheticSet({ domain: 'd', split: 'test', questions: 1, runs: 2, states: 3, width: 2, seed: 1 });
  assert.throws(() => tokenPrefixTrajectories(without, [1]), /no token latents; sample it with keepTokenLatents: true/);
});

test('bad input is named', () => {
  const rule = { thresholds: [0.5], survivors: 1, beta: 1 };
  assert.throws(() => earlyRejectionSample({ ...POOL, checkpoints: { rewards: [[0.1]], costs: [[1]] } }, rule, 0), /checkpoints\.rewards\[0\] has 1 values but the pool has 4 runs/);
  assert.throws(() => earlyRejectionSample({ ...POOL, checkpoints: { rewards: [[1, 1, 1, 1], [1, 1, 1, 1]], costs: [[3, 3, 3, 3], [2, 3, 3, 3]] } }, { ...rule, thresholds: [0, 0] }, 0), /costs\[1\]\[0\] is 2, less than at checkpoint 0/);
  assert.throws(() => earlyRejectionSample({ ...POOL, latentSteps: undefined as never }, rule, 0), /latentSteps is missing/);
  assert.throws(() => earlyRejectionSample(POOL, { ...rule, thresholds: [0.5, 0.5] }, 0), /2 thresholds but the pools have 1 checkpoints/);
  assert.throws(() => earlyRejectionSample(POOL, { ...rule, survivors: 0 }, 0), /survivors \(S\) is 0; expected an integer >= 1/);
  assert.throws(() => earlyRejectionSample(POOL, { ...rule, beta: 0 }, 0), /beta is 0; expected a number > 0/);
  assert.throws(() => earlyRejectionSample(POOL, { ...rule, thresholds: [NaN] }, 0), /thresholds\[0\] is NaN/);
  assert.throws(() => earlyRejectionSample(POOL, { ...rule, margin: -1 }, 0), /margin is -1; expected a number >= 0/);
  assert.throws(() => earlyRejectionSample(POOL, { ...rule, margin: NaN }, 0), /margin is NaN/);
  assert.throws(() => earlyRejectionSample(POOL, { ...rule, keep: [2, 1] }, 0), /keep has 2 entries but the pools have 1 checkpoints/);
  assert.throws(() => earlyRejectionSample(POOL, { ...rule, keep: [0] }, 0), /keep\[0\] is 0; expected an integer >= 1/);
  assert.throws(() => chooseEarlyRejection([POOL], { beta: 1, quantiles: [0], margins: [], survivors: [1] }), /margins is empty/);
  assert.throws(() => rejectionThresholds([POOL], 1.5), /quantile is 1\.5; expected a number in \[0, 1\]/);
  assert.throws(() => rejectionThresholds([], 0.5), /pools is empty/);
  assert.throws(() => chooseEarlyRejection([POOL, { ...POOL, checkpoints: { rewards: [], costs: [] } }], { beta: 1, quantiles: [0], survivors: [1] }), /pools\[1\] has 0 checkpoints but pools\[0\] has 1/);
  assert.throws(() => chooseEarlyRejection([POOL], { beta: 1, quantiles: [], survivors: [1] }), /quantiles is empty/);
  assert.throws(() => chooseEarlyRejection([POOL], { beta: 1, quantiles: [0], survivors: [] }), /survivors is empty and there are no batch schedules or acceptance levels/);
  assert.equal(chooseEarlyRejection([POOL], { beta: 1, quantiles: [0], survivors: [], keeps: [[2]] }).chosen.keep!.join(), '2');
  assert.equal(chooseEarlyRejection([POOL], { beta: 1, quantiles: [0], survivors: [], acceptQuantiles: [1] }).chosen.accept!.quantile, 1);
  assert.throws(() => chooseEarlyRejection([POOL], { beta: 1, quantiles: [0], survivors: [1], tolerance: -1 }), /tolerance is -1/);
  assert.throws(() => chooseEarlyRejection([POOL], { beta: 1, quantiles: [0], survivors: [1], standardErrors: -1 }), /standardErrors is -1; expected a finite number >= 0/);
  assert.throws(() => heldOutEarlyRejection([POOL], { beta: 1, quantiles: [0], survivors: [1] }), /1 question; expected at least 2/);
  assert.throws(() => heldOutEarlyRejection([POOL, POOL], { beta: 1, quantiles: [0], survivors: [1], splits: 0 }), /splits is 0; expected a positive integer/);
  assert.throws(() => heldOutSelectionRules([POOL, POOL], { beta: 1, quantiles: [0], survivors: [1] }, [-1]), /standardErrors is -1; expected a finite number >= 0/);
});
