import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitPca, pcaByStep, pcaFromJSON, pcaOverSteps, pcaTransform } from '../../src/analysis/pca.js';
import { stateMatrix } from '../../src/analysis/state-matrix.js';
import { Rng } from '../../src/tensor/random.js';
import { trajectoryArray } from '../../src/tensor/trajectory-array.js';

const m = (rows: number[][]) => stateMatrix(Float64Array.from(rows.flat()), rows.length, rows[0]!.length);
const close = (actual: number, expected: number, tolerance = 1e-10) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

test('fitPca: hand-computed axes, variances and coordinates', () => {
  // Points (+-2, 0) and (0, +-1) shifted by (1, 1): covariance diag(8/3, 2/3).
  const model = fitPca(m([[3, 1], [-1, 1], [1, 2], [1, 0]]));
  assert.deepEqual(model.mean, [1, 1]);
  close(model.components[0]![0]!, 1);
  close(model.components[1]![1]!, 1);
  close(model.explainedVariance[0]!, 8 / 3);
  close(model.explainedVariance[1]!, 2 / 3);
  close(model.explainedVarianceRatio[0]!, 0.8);
  close(model.totalVariance, 10 / 3);
  const coordinates = pcaTransform(model, m([[3, 1], [1, 0]]));
  [2, 0, 0, -1].forEach((v, i) => close(coordinates.data[i]!, v));
});

function randomPoints(rows: number, width: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  // Anisotropic: column k has standard deviation k + 1.
  return Float64Array.from({ length: rows * width }, (_, i) => rng.normal() * ((i % width) + 1));
}

test('fitPca: sign convention makes the axes stable (refit, negated data)', () => {
  const data = randomPoints(50, 6, 2);
  const a = fitPca(stateMatrix(data, 50, 6), { components: 3 });
  assert.deepEqual(a, fitPca(stateMatrix(data, 50, 6), { components: 3 }));
  const negated = fitPca(stateMatrix(data.map((x) => -x), 50, 6), { components: 3 });
  for (let c = 0; c < 3; c++) {
    for (let j = 0; j < 6; j++) close(negated.components[c]![j]!, a.components[c]![j]!, 1e-9);
    const axis = a.components[c]!;
    const largest = axis.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
    assert.ok(largest > 0);
  }
});

test('fitPca: more dimensions than points (Gram route) gives orthonormal axes whose variances are the coordinates\' variances', () => {
  const rows = 6;
  const width = 20;
  const points = stateMatrix(randomPoints(rows, width, 3), rows, width);
  const model = fitPca(points, { components: 5 });
  for (let a = 0; a < 5; a++) {
    for (let b = 0; b <= a; b++) close(model.components[a]!.reduce((s, v, j) => s + v * model.components[b]![j]!, 0), a === b ? 1 : 0, 1e-9);
  }
  const coordinates = pcaTransform(model, points);
  for (let c = 0; c < 5; c++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += coordinates.data[r * 5 + c]! ** 2; // coordinates have mean 0
    close(sum / (rows - 1), model.explainedVariance[c]!, 1e-8);
  }
  // 6 centred points span 5 dimensions: 5 components hold all the variance.
  close(model.explainedVarianceRatio.reduce((s, v) => s + v, 0), 1, 1e-9);
});

test('fitPca: JSON round trip transforms identically', () => {
  const points = stateMatrix(randomPoints(30, 4, 4), 30, 4);
  const model = fitPca(points, { components: 3 });
  const restored = pcaFromJSON(JSON.parse(JSON.stringify(model)));
  assert.deepEqual(pcaTransform(restored, points), pcaTransform(model, points));
  assert.throws(() => pcaFromJSON({ ...model, mean: [1] }), /mean must be 4 finite numbers/);
  assert.throws(() => pcaFromJSON({ kind: 'umap' }), /kind 'pca'/);
});

test('pcaByStep and pcaOverSteps: one model per step, or one over all states', () => {
  const t = trajectoryArray(Float32Array.from(randomPoints(10 * 3, 4, 5)), 10, 3, 4);
  const perStep = pcaByStep(t, { components: 3 });
  assert.equal(perStep.length, 3);
  assert.deepEqual([perStep[1]!.coordinates.rows, perStep[1]!.coordinates.width], [10, 3]);
  const over = pcaOverSteps(t);
  assert.equal(over.model.points, 30);
  assert.deepEqual([over.coordinates.rows, over.coordinates.width], [30, 2]);
});

test('fitPca: bad arguments are clear errors', () => {
  assert.throws(() => fitPca(m([[1, 2]])), /needs at least 2 states, got 1/);
  assert.throws(() => fitPca(m([[1, 2], [3, 4]]), { components: 3 }), /components must be an integer in 1..2/);
  const model = fitPca(m([[1, 2], [3, 5]]));
  assert.throws(() => pcaTransform(model, m([[1, 2, 3]])), /points have width 3, the model was fitted on width 2/);
});
