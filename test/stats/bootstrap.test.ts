import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapInterval, meanInterval, pairedBootstrapPValue, quantileSorted } from '../../src/stats/bootstrap.js';

test('quantileSorted interpolates like numpy', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4], 0), 1);
  assert.equal(quantileSorted([1, 2, 3, 4], 1), 4);
  assert.ok(Math.abs(quantileSorted([0, 10], 0.025) - 0.25) < 1e-12);
});

test('meanInterval: estimate is the mean, the interval brackets it and matches the normal approximation', () => {
  const values = Array.from({ length: 400 }, (_, i) => (i % 10 < 6 ? 1 : 0)); // p = 0.6
  const ci = meanInterval(values, { samples: 2000, seed: 3 });
  assert.equal(ci.estimate, 0.6);
  const halfWidth = 1.96 * Math.sqrt(0.6 * 0.4 / 400); // 0.048
  assert.ok(Math.abs(ci.upper - ci.lower - 2 * halfWidth) < 0.015, `${ci.lower}..${ci.upper}`);
  assert.ok(ci.lower < 0.6 && ci.upper > 0.6);
});

test('bootstrap is seeded: same seed, same interval; a constant sample has a zero-width interval', () => {
  const values = Array.from({ length: 50 }, (_, i) => Math.sin(i));
  assert.deepEqual(meanInterval(values, { seed: 7 }), meanInterval(values, { seed: 7 }));
  assert.deepEqual(bootstrapInterval(5, () => 2, { seed: 1 }), { estimate: 2, lower: 2, upper: 2, level: 0.95 });
});

test('pairedBootstrapPValue: identical methods give 1, a consistent gap gives a small p', () => {
  const a = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1 : 0));
  assert.equal(pairedBootstrapPValue(a, a), 1);
  const better = a.map((v, i) => (i % 4 === 1 ? 1 : v)); // +25 points on the same questions
  const p = pairedBootstrapPValue(better, a, { samples: 999, seed: 2 });
  assert.ok(p <= 0.002, `p = ${p}`);
  const noisy = a.map((v, i) => (i % 20 === 1 ? 1 : i % 20 === 2 ? 0 : v));
  assert.ok(pairedBootstrapPValue(noisy, a, { seed: 2 }) > 0.05);
});

test('bootstrap rejects bad options', () => {
  assert.throws(() => meanInterval([]), /at least one unit/);
  assert.throws(() => meanInterval([1], { level: 1 }), /level must be in \(0, 1\)/);
  assert.throws(() => pairedBootstrapPValue([1], [1, 0]), /1 and 2 values/);
});
