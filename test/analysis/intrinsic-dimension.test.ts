import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intrinsicDimensionTwoNN, twoNnRatios } from '../../src/analysis/intrinsic-dimension.js';
import { InsufficientDataError, stateMatrix } from '../../src/analysis/state-matrix.js';
import { Rng } from '../../src/tensor/random.js';

const m = (rows: number[][]) => stateMatrix(Float64Array.from(rows.flat()), rows.length, rows[0]!.length);

test('TwoNN: points 0, 1, 3 on a line (hand-computed mu = 3, 2, 3/2 -> d = 3 / ln 9)', () => {
  const points = m([[0, 0], [1, 0], [3, 0]]);
  const ratios = [...twoNnRatios(points)];
  assert.deepEqual(ratios.map((r) => Math.round(r * 1e12) / 1e12), [3, 2, 1.5]);
  assert.ok(Math.abs(intrinsicDimensionTwoNN(points) - 3 / Math.log(9)) < 1e-12);
});

test('TwoNN: duplicated states are collapsed to one point', () => {
  const withDuplicates = m([[0, 0], [1, 0], [1, 0], [3, 0], [0, 0]]);
  assert.equal(twoNnRatios(withDuplicates).length, 3);
  assert.ok(Math.abs(intrinsicDimensionTwoNN(withDuplicates) - 3 / Math.log(9)) < 1e-12);
});

test('TwoNN: 1,000 uniform points on a 2-D plane inside 10-D space give about 2', () => {
  const rng = new Rng(11);
  const n = 1000;
  const data = new Float64Array(n * 10);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    const v = rng.uniform();
    // A plane spanned by two orthogonal 10-D directions.
    for (let k = 0; k < 10; k++) data[i * 10 + k] = u * (k % 2 === 0 ? 1 : 0) + v * (k % 2 === 1 ? 1 : 0) + 0.5;
  }
  const d = intrinsicDimensionTwoNN(stateMatrix(data, n, 10));
  // The MLE's standard error is about d / sqrt(n) = 0.06.
  assert.ok(Math.abs(d - 2) < 0.25, `estimated ${d}`);
});

test('TwoNN: fewer than 3 distinct states is an InsufficientDataError', () => {
  assert.throws(() => intrinsicDimensionTwoNN(m([[1, 1], [1, 1], [2, 2]])), (e: unknown) => e instanceof InsufficientDataError && /needs at least 3 distinct states, got 2/.test(e.message));
});
