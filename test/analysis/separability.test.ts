import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricAurocByStep, probeAurocByStep } from '../../src/analysis/separability.js';
import { Rng } from '../../src/tensor/random.js';
import { trajectoryArray } from '../../src/tensor/trajectory-array.js';

/** 200 runs x 3 steps x 16 wide; correctness is linearly readable at the last step only. */
function synthetic() {
  const rng = new Rng(21);
  const runs = 200;
  const steps = 3;
  const width = 16;
  const correct = Array.from({ length: runs }, (_, r) => r % 3 !== 0);
  const data = new Float32Array(runs * steps * width);
  for (let r = 0; r < runs; r++) {
    for (let s = 0; s < steps; s++) {
      for (let k = 0; k < width; k++) data[(r * steps + s) * width + k] = rng.normal() + (s === 2 && k === 3 ? (correct[r] ? 1.5 : -1.5) : 0);
    }
  }
  return { t: trajectoryArray(data, runs, steps, width), correct };
}

test('probeAurocByStep: out-of-fold AUROC is high where correctness is readable, near chance elsewhere', () => {
  const { t, correct } = synthetic();
  const result = probeAurocByStep(t, correct, { folds: 5, seed: 1 });
  assert.equal(result.steps.length, 3);
  assert.ok(result.steps[2]!.auroc > 0.9, `last step ${result.steps[2]!.auroc}`);
  assert.ok(Math.abs(result.steps[0]!.auroc - 0.5) < 0.15, `step 0 ${result.steps[0]!.auroc}`);
  assert.equal(result.steps[2]!.foldAurocs.length, 5);
  assert.ok(result.steps.every((s) => s.converged));
  assert.deepEqual(result, probeAurocByStep(t, correct, { folds: 5, seed: 1 }));
});

test('probeAurocByStep: grouped folds and a chosen subset of steps', () => {
  const { t, correct } = synthetic();
  const groups = Array.from({ length: 200 }, (_, r) => Math.floor(r / 10));
  const result = probeAurocByStep(t, correct, { groups, steps: [2], folds: 4 });
  assert.equal(result.grouped, true);
  assert.deepEqual(result.steps.map((s) => s.step), [2]);
  assert.ok(result.steps[0]!.auroc > 0.9);
});

test('probeAurocByStep: an absent or too small class is a clear error', () => {
  const { t } = synthetic();
  const fewCorrect = Array.from({ length: 200 }, (_, r) => r < 3);
  assert.throws(() => probeAurocByStep(t, fewCorrect), /probeAurocByStep: stratified 5-fold cross-validation needs at least 5 items of each class, got 3 positive \(correct\) and 197 negative/);
  assert.throws(() => probeAurocByStep(t, new Array(200).fill(true)), /got 200 positive \(correct\) and 0 negative/);
  assert.throws(() => probeAurocByStep(t, [true]), /correct: 1 labels, expected one per run \(200\)/);
});

test('metricAurocByStep: a metric as a score, with its direction (hand-built case)', () => {
  // Correct runs (0, 1) move by 2 per step, incorrect runs (2, 3) by 1: stepChangeNorm separates perfectly.
  const rows = [
    [0, 1, 2, 1, 4, 1], [1, 1, 3, 1, 5, 1],
    [0, 1, 1, 1, 2, 1], [1, 1, 2, 1, 3, 1],
  ];
  const t = trajectoryArray(Float32Array.from(rows.flat()), 4, 3, 2);
  const result = metricAurocByStep(t, [true, true, false, false], ['stepChangeNorm', 'coeR']);
  assert.deepEqual(result.stepChangeNorm![0], { step: 0, auroc: null, direction: null, separation: null });
  assert.deepEqual(result.stepChangeNorm![1], { step: 1, auroc: 1, direction: 'higher-is-correct', separation: 1 });
  assert.equal(result.coeR!.length, 3);
  assert.equal(result.successiveCosine, undefined);
  assert.throws(() => metricAurocByStep(t, [true, true, true, true]), /needs both correct and incorrect runs, got 4 correct and 0 incorrect/);
});
