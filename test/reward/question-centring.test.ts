import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centreByGroups } from '../../src/reward/question-centring.js';

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
