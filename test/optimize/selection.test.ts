/** Single-run, best-by-score and oracle selection. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestByScore, oracleRun, singleRun } from '../../src/optimize/selection.js';

test('single run: a fixed index, or a seeded uniform choice', () => {
  assert.equal(singleRun(5), 0);
  assert.equal(singleRun(5, 3), 3);
  assert.equal(singleRun(5, { random: 'q1' }), singleRun(5, { random: 'q1' }));
  const counts = new Array<number>(5).fill(0);
  for (let s = 0; s < 5000; s++) counts[singleRun(5, { random: s })]! += 1;
  counts.forEach((c) => assert.ok(Math.abs(c / 5000 - 0.2) < 4 * Math.sqrt(0.16 / 5000), `counts ${counts}`));
  assert.throws(() => singleRun(5, 5), /run 5 is outside 0\.\.4/);
  assert.throws(() => singleRun(0), /runs is 0; expected a positive integer/);
});

test('best by score: the maximum (or minimum), ties to the lowest index', () => {
  assert.equal(bestByScore([0.1, 0.9, 0.3]), 1);
  assert.equal(bestByScore([0.9, 0.2, 0.9]), 0);
  assert.equal(bestByScore([0.4, 0.2, 0.2], false), 1);
  assert.equal(bestByScore([-3, -1, -2]), 1);
  assert.throws(() => bestByScore([]), /scores is empty/);
  assert.throws(() => bestByScore([0.1, Infinity]), /scores\[1\] is Infinity; expected a finite number/);
});

test('oracle: the first correct run, run 0 when none is', () => {
  assert.equal(oracleRun([false, false, true, true]), 2);
  assert.equal(oracleRun([false, false]), 0);
  assert.throws(() => oracleRun([]), /correct is empty/);
});
