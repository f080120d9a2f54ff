import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rocAuc, rocCurve, withinGroupAuc } from '../../src/stats/roc.js';

test('rocAuc: perfect, inverted and chance orderings', () => {
  assert.equal(rocAuc([0.9, 0.8, 0.2, 0.1], [true, true, false, false]), 1);
  assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [true, true, false, false]), 0);
  assert.equal(rocAuc([0.5, 0.5, 0.5, 0.5], [true, false, true, false]), 0.5);
});

test('rocAuc: hand-counted pairs with a tie (scikit-learn gives 0.75 for this case)', () => {
  // positives 0.8, 0.4; negatives 0.4, 0.1: pairs (0.8>0.4) 1, (0.8>0.1) 1, (0.4=0.4) 0.5, (0.4>0.1) 1 -> 3.5 / 4
  assert.equal(rocAuc([0.8, 0.4, 0.4, 0.1], [true, true, false, false]), 0.875);
  // sklearn.metrics.roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) == 0.75
  assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
});

test('rocCurve: points, thresholds and area agree', () => {
  const curve = rocCurve([0.1, 0.4, 0.35, 0.8], [false, false, true, true]);
  assert.deepEqual(curve.fpr, [0, 0, 0.5, 0.5, 1]);
  assert.deepEqual(curve.tpr, [0, 0.5, 0.5, 1, 1]);
  assert.deepEqual(curve.thresholds, [Infinity, 0.8, 0.4, 0.35, 0.1]);
  let area = 0;
  for (let i = 1; i < curve.fpr.length; i++) area += (curve.fpr[i]! - curve.fpr[i - 1]!) * (curve.tpr[i]! + curve.tpr[i - 1]!) / 2;
  assert.equal(area, curve.auc);
});

test('rocAuc: one class, length mismatch and non-finite scores are clear errors', () => {
  assert.throws(() => rocAuc([0.1, 0.2], [true, true]), /needs both classes, got 2 positive and 0 negative/);
  assert.throws(() => rocAuc([0.1], [true, false]), /1 scores but 2 labels/);
  assert.throws(() => rocAuc([0.1, NaN], [true, false]), /score 1 is NaN/);
});

test('withinGroupAuc: averages the AUROC inside mixed groups and skips one-class groups', () => {
  // Group 0: positive 0.9 above negative 0.1 -> 1. Group 1: positive 0.2 below both negatives
  // 0.3 and 0.25 -> 0. Group 2: all correct, skipped. Pooled, the scores separate better (10 of 12 pairs)
  // than within the groups (0.5): the pooled AUROC counts cross-group pairs too.
  const scores = [0.9, 0.1, 0.2, 0.3, 0.25, 0.8, 0.7];
  const labels = [true, false, true, false, false, true, true];
  const result = withinGroupAuc(scores, labels, [[0, 1], [2, 3, 4], [5, 6]]);
  assert.deepEqual(result, { mean: 0.5, mixedGroups: 2 });
  assert.equal(rocAuc(scores, labels), 10 / 12);
  assert.deepEqual(withinGroupAuc([0.5, 0.4], [true, true], [[0, 1]]), { mean: null, mixedGroups: 0 });
  assert.throws(() => withinGroupAuc(scores, labels, [[0, 7]]), /group 0 holds index 7/);
});
