/** The sinusoidal step encoding against its formula. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sinusoidalEncoding } from '../../src/reward/positional-encoding.js';

test('PE[t, 2i] = sin(t / 10000^(2i/d)), PE[t, 2i+1] = cos(same)', () => {
  const d = 6;
  const pe = sinusoidalEncoding(5, d);
  assert.equal(pe.length, 5 * d);
  assert.deepEqual(Array.from(pe.subarray(0, d)), [0, 1, 0, 1, 0, 1]);
  for (let t = 0; t < 5; t++) {
    for (let i = 0; i < d / 2; i++) {
      const angle = t / 10000 ** ((2 * i) / d);
      assert.ok(Math.abs(pe[t * d + 2 * i]! - Math.sin(angle)) < 1e-6);
      assert.ok(Math.abs(pe[t * d + 2 * i + 1]! - Math.cos(angle)) < 1e-6);
    }
  }
  // An odd width ends with a sine column; a longer table starts with the shorter one.
  const odd = sinusoidalEncoding(3, 3);
  assert.ok(Math.abs(odd[2 * 3 + 2]! - Math.sin(2 / 10000 ** (2 / 3))) < 1e-6);
  assert.deepEqual(sinusoidalEncoding(9, d).subarray(0, 5 * d), pe);
});

test('bad sizes are named', () => {
  assert.throws(() => sinusoidalEncoding(0, 4), /steps is 0; expected a positive integer/);
  assert.throws(() => sinusoidalEncoding(3, 1.5), /dModel is 1\.5/);
});
