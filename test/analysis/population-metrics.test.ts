import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anisotropy, effectiveRank, matrixEntropy, meanPairwiseCosine, stateSpectrum } from '../../src/analysis/population-metrics.js';
import { InsufficientDataError, stateMatrix } from '../../src/analysis/state-matrix.js';
import { Rng } from '../../src/tensor/random.js';

const m = (rows: number[][]) => stateMatrix(Float64Array.from(rows.flat()), rows.length, rows[0]!.length);
const close = (actual: number, expected: number, tolerance = 1e-10) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

test('matrixEntropy: orthogonal states give log(count), collinear states give 0', () => {
  close(matrixEntropy(m([[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 5, 0]])), Math.log(3));
  close(matrixEntropy(m([[1, 2], [2, 4], [-3, -6]])), 0);
});

test('matrixEntropy: two unit states 60 degrees apart (hand-computed)', () => {
  // K = [[1, 1/2], [1/2, 1]] has eigenvalues 3/2 and 1/2; trace-normalised 3/4 and 1/4.
  const expected = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
  close(matrixEntropy(m([[1, 0], [Math.cos(Math.PI / 3), Math.sin(Math.PI / 3)]])), expected);
  // Row normalisation makes the lengths irrelevant.
  close(matrixEntropy(m([[3, 0], [5 * Math.cos(Math.PI / 3), 5 * Math.sin(Math.PI / 3)]])), expected);
});

test('effectiveRank: exp of the entropy of normalised singular values (Roy & Vetterli)', () => {
  // Singular values 3 and 1 -> weights 3/4, 1/4.
  close(effectiveRank(m([[3, 0], [0, 1]])), Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))));
  close(effectiveRank(m([[2, 0, 0], [0, 2, 0], [0, 0, 2]])), 3);
  close(effectiveRank(m([[1, 1], [2, 2]])), 1);
});

test('anisotropy: largest covariance eigenvalue over total variance', () => {
  // Points (+-2, 0), (0, +-1): covariance diag(8, 2) / 3 -> 8 / 10.
  close(anisotropy(m([[2, 0], [-2, 0], [0, 1], [0, -1]])), 0.8);
  close(anisotropy(m([[0, 0], [1, 2], [2, 4], [5, 10]])), 1);
});

test('meanPairwiseCosine: mean cosine over distinct pairs (hand-computed)', () => {
  // cos((1,0),(0,1)) = 0, cos((1,0),(1,1)) = cos((0,1),(1,1)) = 1/sqrt2 -> mean sqrt2 / 3.
  close(meanPairwiseCosine(m([[1, 0], [0, 1], [1, 1]])), Math.SQRT2 / 3);
  close(meanPairwiseCosine(m([[1, 0], [-3, 0]])), -1);
});

test('stateSpectrum: the Gram (rows < width) and covariance (rows > width) routes agree', () => {
  const rng = new Rng(3);
  const rows = 5;
  const width = 8;
  const x = Float64Array.from({ length: rows * width }, () => rng.normal());
  const transposed = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) transposed[c * rows + r] = x[r * width + c]!;
  const viaGram = stateSpectrum(stateMatrix(x, rows, width));
  const viaCovariance = stateSpectrum(stateMatrix(transposed, width, rows));
  assert.equal(viaGram.length, 5);
  assert.equal(viaCovariance.length, 5);
  for (let i = 0; i < 5; i++) close(viaGram[i]!, viaCovariance[i]!, 1e-9);
  // Their sum is the squared Frobenius norm.
  close(viaGram.reduce((s, v) => s + v, 0), x.reduce((s, v) => s + v * v, 0), 1e-9);
});

test('population metrics: too few, zero or non-finite states are clear errors', () => {
  assert.throws(() => anisotropy(m([[1, 2]])), (e: unknown) => e instanceof InsufficientDataError && /needs at least 2 states, got 1/.test(e.message));
  assert.throws(() => anisotropy(m([[1, 2], [1, 2]])), /zero variance/);
  assert.throws(() => matrixEntropy(m([[0, 0], [0, 0]])), /every state is zero/);
  assert.throws(() => meanPairwiseCosine(m([[0, 0], [1, 0]])), /state 0 is zero/);
  assert.throws(() => matrixEntropy({ data: Float64Array.from([1, NaN]), rows: 1, width: 2 }), /row 0, column 1 is NaN, expected a finite number/);
  assert.throws(() => effectiveRank({ data: new Float64Array(3), rows: 2, width: 2 }), /3 values, expected rows x width = 2 x 2 = 4/);
});
