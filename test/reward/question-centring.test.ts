import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centreByGroups, withGroupCentred } from '../../src/reward/question-centring.js';

test('centreByGroups: subtracts each group\'s mean trajectory, state by state', () => {
  // 3 runs x 2 states x width 1. Group [0, 2]: means 2 (state 0) and 20 (state 1); run 1 alone.
  const t = { data: Float32Array.from([1, 10, 5, 7, 3, 30]), runs: 3, steps: 2, width: 1 };
  const c = centreByGroups(t, [[0, 2], [1]]);
  assert.deepEqual([...c.data], [-1, -10, 0, 0, 1, 10]);
  assert.deepEqual([c.runs, c.steps, c.width], [3, 2, 1]);
  assert.deepEqual([...t.data], [1, 10, 5, 7, 3, 30], 'the input is left unchanged');
});

test('centreByGroups: a run in no group, in two groups or out of range is a clear error', () => {
  const t = { data: new Float32Array(6), runs: 3, steps: 2, width: 1 };
  assert.throws(() => centreByGroups(t, [[0, 1]]), /run 2 is in no group/);
  assert.throws(() => centreByGroups(t, [[0, 1], [1, 2]]), /run 1 is in more than one group/);
  assert.throws(() => centreByGroups(t, [[0, 1, 3], [2]]), /group 0 holds run 3/);
  assert.throws(() => centreByGroups(t, [[0, 1, 2], []]), /group 1 is empty/);
});

test('withGroupCentred: each state, raw then centred on its group (twice the width)', () => {
  // 3 runs x 2 states x width 2; group [0, 1], run 2 alone.
  const t = { data: Float32Array.from([1, 2, 10, 20, 3, 6, 30, 60, 7, 8, 9, 4]), runs: 3, steps: 2, width: 2 };
  const w = withGroupCentred(t, [[0, 1], [2]]);
  assert.deepEqual([w.runs, w.steps, w.width], [3, 2, 4]);
  assert.deepEqual([...w.data], [1, 2, -1, -2, 10, 20, -10, -20, 3, 6, 1, 2, 30, 60, 10, 20, 7, 8, 0, 0, 9, 4, 0, 0]);
  assert.throws(() => withGroupCentred(t, [[0, 1]]), /run 2 is in no group/);
});
