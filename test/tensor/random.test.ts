import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, deriveSeed } from '../../src/tensor/random.js';

test('same seed gives the same stream, different seeds differ', () => {
  const a = new Rng(42).truncatedNormalArray(1000, 0.5);
  const b = new Rng(42).truncatedNormalArray(1000, 0.5);
  const c = new Rng(43).truncatedNormalArray(1000, 0.5);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(new Rng('run-1').uniform(), new Rng('run-1').uniform());
});

test('uniform is in [0,1) with mean ~0.5; normal has mean ~0 and std ~1', () => {
  const rng = new Rng(7);
  let s = 0;
  let min = 1;
  let max = 0;
  for (let i = 0; i < 100000; i++) {
    const u = rng.uniform();
    s += u;
    min = Math.min(min, u);
    max = Math.max(max, u);
  }
  assert.ok(min >= 0 && max < 1);
  assert.ok(Math.abs(s / 100000 - 0.5) < 0.01);
  let m = 0;
  let m2 = 0;
  const n = 100000;
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    m += z;
    m2 += z * z;
  }
  assert.ok(Math.abs(m / n) < 0.02);
  assert.ok(Math.abs(Math.sqrt(m2 / n) - 1) < 0.02);
});

test('truncated normal stays within the bound and has the truncated std', () => {
  const xs = new Rng(3).truncatedNormalArray(200000, 2, 3);
  let m2 = 0;
  for (const x of xs) {
    assert.ok(Math.abs(x) <= 6 + 1e-6);
    m2 += x * x;
  }
  // Std of a standard normal truncated at +-3 is 0.98658; times 2.
  assert.ok(Math.abs(Math.sqrt(m2 / xs.length) - 2 * 0.98658) < 0.01);
  assert.deepEqual(new Rng(1).truncatedNormalArray(5, 0), new Float32Array(5));
});

test('derived seeds are stable and distinct per path; bad seeds are refused', () => {
  assert.equal(deriveSeed(5, 'q', 1), deriveSeed(5, 'q', 1));
  assert.notEqual(deriveSeed(5, 'q', 1), deriveSeed(5, 'q', 2));
  assert.throws(() => new Rng(-1), /non-negative safe integer/);
  assert.throws(() => new Rng(1.5), /non-negative safe integer/);
});

test('categorical and shuffle are seeded', () => {
  const rng = new Rng(9);
  const counts = [0, 0, 0];
  for (let i = 0; i < 30000; i++) counts[rng.categorical([1, 2, 0])]!++;
  assert.equal(counts[2], 0);
  assert.ok(Math.abs(counts[1]! / 30000 - 2 / 3) < 0.02);
  assert.deepEqual(new Rng(2).shuffle([1, 2, 3, 4, 5]), new Rng(2).shuffle([1, 2, 3, 4, 5]));
  assert.throws(() => rng.categorical([0, 0]), /positive sum/);
});
