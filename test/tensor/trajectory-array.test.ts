import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTrajectory, selectRuns, statesAtStep, trajectoryArray } from '../../src/tensor/trajectory-array.js';

const t = trajectoryArray(Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i), 2, 3, 2);

test('statesAtStep, runTrajectory and selectRuns read [runs, steps, width] row-major', () => {
  assert.deepEqual([...statesAtStep(t, 1)], [2, 3, 8, 9]);
  assert.deepEqual([...runTrajectory(t, 1)], [6, 7, 8, 9, 10, 11]);
  const picked = selectRuns(t, [1, 1, 0]);
  assert.equal(picked.runs, 3);
  assert.deepEqual([...statesAtStep(picked, 0)], [6, 7, 6, 7, 0, 1]);
});

test('sizes that disagree and out-of-range indices are clear errors', () => {
  assert.throws(() => trajectoryArray(new Float32Array(5), 2, 3, 2, 'pooled latents'), /pooled latents: 5 values, expected runs x steps x width = 2 x 3 x 2 = 12/);
  assert.throws(() => trajectoryArray(new Float32Array(0), 0, 0, 2), /steps must be an integer >= 1/);
  assert.throws(() => statesAtStep(t, 3), /step 3 is outside 0..2/);
  assert.throws(() => runTrajectory(t, -1), /run -1 is outside 0..1/);
});
