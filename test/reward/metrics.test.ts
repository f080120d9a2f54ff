/** Classifier metrics against small cases worked out by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibration, classifierMetrics, logLoss, thresholdMetrics } from '../../src/reward/metrics.js';

// Positives 0.9, 0.8, 0.3; negatives 0.6, 0.2, 0.55.
const SCORES = [0.9, 0.8, 0.3, 0.6, 0.2, 0.55];
const LABELS = [true, true, true, false, false, false];

function close(actual: number, expected: number, what: string, tolerance = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected}`);
}

test('threshold metrics at 0.5: TP 2, FP 2, FN 1, TN 1', () => {
  const m = thresholdMetrics(SCORES, LABELS);
  assert.deepEqual([m.truePositives, m.falsePositives, m.falseNegatives, m.trueNegatives], [2, 2, 1, 1]);
  close(m.accuracy, 3 / 6, 'accuracy');
  close(m.precision, 2 / 4, 'precision');
  close(m.recall, 2 / 3, 'recall');
  close(m.f1, 4 / 7, 'F1 = 2 * (1/2) * (2/3) / (1/2 + 2/3)');
  // A score equal to the threshold counts as positive.
  assert.equal(thresholdMetrics([0.5], [true]).truePositives, 1);
  const higher = thresholdMetrics(SCORES, LABELS, 0.7);
  close(higher.precision, 1, 'precision at 0.7');
  close(higher.f1, 0.8, 'F1 at 0.7 = 2 * 1 * (2/3) / (5/3)');
});

test('precision, recall and F1 are 0 (not NaN) when undefined', () => {
  const none = thresholdMetrics([0.1, 0.2], [true, false]);
  assert.deepEqual([none.precision, none.recall, none.f1], [0, 0, 0]);
  const noPositives = thresholdMetrics([0.9, 0.2], [false, false]);
  assert.deepEqual([noPositives.precision, noPositives.recall, noPositives.f1, noPositives.accuracy], [0, 0, 0, 0.5]);
});

test('ECE over 10 bins: one score per bin, then a shared bin', () => {
  const c = calibration(SCORES, LABELS);
  // Each score sits alone in its bin: gaps |1 - 0.9|, |1 - 0.8|, |1 - 0.3|, |0 - 0.6|, |0 - 0.2|, |0 - 0.55|.
  close(c.ece, (0.1 + 0.2 + 0.7 + 0.6 + 0.2 + 0.55) / 6, 'ECE', 1e-12);
  close(c.maximumError, 0.7, 'maximum calibration error', 1e-12);
  assert.equal(c.bins.length, 10);
  assert.deepEqual(c.bins.map((b) => b.count), [0, 0, 1, 1, 0, 1, 1, 0, 1, 1]);
  assert.ok(Number.isNaN(c.bins[0]!.meanScore) && Number.isNaN(c.bins[0]!.fractionPositive));
  close(c.bins[3]!.meanScore, 0.3, 'bin 3 mean score');
  assert.equal(c.bins[3]!.fractionPositive, 1);
  close(c.bins[9]!.lower, 0.9, 'last bin lower edge');
  const shared = calibration([0.12, 0.18, 0.95], [true, false, true]);
  // Bin 1 holds 0.12 and 0.18: mean 0.15, half positive, gap 0.35, weight 2/3; bin 9: gap 0.05, weight 1/3.
  close(shared.ece, (2 / 3) * 0.35 + (1 / 3) * 0.05, 'ECE with a shared bin', 1e-12);
  // 0 falls in the first bin and 1 in the last.
  const edges = calibration([0, 1], [false, true], 4);
  assert.deepEqual(edges.bins.map((b) => b.count), [1, 0, 0, 1]);
  assert.equal(edges.ece, 0);
});

test('log loss and the combined metrics', () => {
  const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.3) + Math.log(0.4) + Math.log(0.8) + Math.log(0.45)) / 6;
  close(logLoss(SCORES, LABELS), expected, 'log loss', 1e-12);
  assert.ok(Number.isFinite(logLoss([0, 1], [true, false])));
  const all = classifierMetrics(SCORES, LABELS);
  close(all.auroc, 7 / 9, 'AUROC: 7 of 9 positive-negative pairs ordered');
  assert.equal(all.roc.auc, all.auroc);
  assert.deepEqual([all.count, all.positives], [6, 3]);
  close(all.f1, 4 / 7, 'F1');
  close(all.calibration.ece, 2.35 / 6, 'ECE', 1e-12);
});

test('bad input is named', () => {
  assert.throws(() => thresholdMetrics([0.5, 0.2], [true]), /scores has 2 values but labels has 1/);
  assert.throws(() => thresholdMetrics([], []), /scores is empty/);
  assert.throws(() => calibration([0.5, 1.2], [true, false]), /scores\[1\] is 1\.2; expected a probability in \[0, 1\]/);
  assert.throws(() => calibration([0.5, NaN], [true, false]), /scores\[1\] is NaN/);
  assert.throws(() => calibration([0.5], [true], 0), /bins is 0; expected a positive integer/);
  assert.throws(() => classifierMetrics([0.5, 0.7], [true, true]), /needs both classes/);
});
