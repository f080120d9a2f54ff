import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepChangeNorms, successiveAngles, successiveCosines } from '../../src/analysis/step-dynamics.js';
import { trajectoryArray } from '../../src/tensor/trajectory-array.js';

// Two runs of 3 steps in 2-D: run 0 goes (1,0) -> (0,1) -> (0,3); run 1 goes (1,1) -> (2,2) -> (2,2).
const t = trajectoryArray(Float32Array.from([1, 0, 0, 1, 0, 3, 1, 1, 2, 2, 2, 2]), 2, 3, 2);

test('stepChangeNorms: |s_{k+1} - s_k| per run and transition (hand-computed)', () => {
  const norms = stepChangeNorms(t);
  assert.equal(norms.transitions, 2);
  assert.equal(norms.runs, 2);
  assert.deepEqual([...norms.values], [Math.SQRT2, 2, Math.SQRT2, 0]);
});

test('successiveCosines and successiveAngles (hand-computed)', () => {
  assert.deepEqual([...successiveCosines(t).values].map((c) => Math.round(c * 1e12) / 1e12), [0, 1, 1, 1]);
  const angles = successiveAngles(t).values;
  assert.ok(Math.abs(angles[0]! - Math.PI / 2) < 1e-12);
  assert.ok(Math.abs(angles[1]!) < 1e-6);
});

test('step dynamics: a zero state or a NaN is a clear error', () => {
  const zero = trajectoryArray(Float32Array.from([1, 0, 0, 0]), 1, 2, 2);
  assert.throws(() => successiveCosines(zero), /run 0 has a zero state at step 1/);
  const nan = trajectoryArray(Float32Array.from([1, 0, NaN, 0]), 1, 2, 2);
  assert.throws(() => stepChangeNorms(nan), /run 0, step 1, component 0 is NaN/);
});
