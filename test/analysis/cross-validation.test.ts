import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedFolds } from '../../src/analysis/cross-validation.js';

test('stratifiedFolds: each fold gets an equal share of each class; seeded', () => {
  const labels = Array.from({ length: 50 }, (_, i) => i < 15);
  const folds = stratifiedFolds(labels, 5, { seed: 2 });
  for (let f = 0; f < 5; f++) {
    const members = [...folds.keys()].filter((i) => folds[i] === f);
    assert.equal(members.filter((i) => labels[i]).length, 3);
    assert.equal(members.length, 10);
  }
  assert.deepEqual(folds, stratifiedFolds(labels, 5, { seed: 2 }));
  assert.notDeepEqual(folds, stratifiedFolds(labels, 5, { seed: 3 }));
});

test('stratifiedFolds: with groups, a group never straddles folds', () => {
  const labels = Array.from({ length: 60 }, (_, i) => i % 3 === 0);
  const groups = Array.from({ length: 60 }, (_, i) => Math.floor(i / 6));
  const folds = stratifiedFolds(labels, 5, { seed: 1, groups });
  for (let g = 0; g < 10; g++) assert.equal(new Set(groups.flatMap((gi, i) => (gi === g ? [folds[i]] : []))).size, 1);
  assert.equal(new Set(folds).size, 5);
});

test('stratifiedFolds: too few items of a class, or too few groups, are clear errors', () => {
  assert.throws(() => stratifiedFolds([true, true, false, false, false], 3), /needs at least 3 items of each class, got 2 positive \(correct\) and 3 negative/);
  assert.throws(() => stratifiedFolds([true, false, true, false, true, false], 2, { groups: [0, 0, 0, 0, 0, 0] }), /needs at least 2 groups, got 1/);
  assert.throws(() => stratifiedFolds([true, false], 1), /folds must be an integer >= 2/);
});
