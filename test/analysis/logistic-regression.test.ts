import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLogisticRegression, logisticLogits } from '../../src/analysis/logistic-regression.js';
import { stateMatrix } from '../../src/analysis/state-matrix.js';
import { Rng } from '../../src/tensor/random.js';

test('logistic regression without penalty on a binary feature recovers the empirical log-odds', () => {
  // x = 0: 3 positives, 1 negative -> log-odds ln 3; x = 1: 1 positive, 3 negatives -> -ln 3.
  const x = stateMatrix(Float64Array.from([0, 0, 0, 0, 1, 1, 1, 1]), 8, 1);
  const y = [true, true, true, false, true, false, false, false];
  const model = fitLogisticRegression(x, y, { l2: 0 });
  assert.ok(model.converged);
  const logits = logisticLogits(model, stateMatrix(Float64Array.from([0, 1]), 2, 1));
  assert.ok(Math.abs(logits[0]! - Math.log(3)) < 1e-5, `${logits[0]}`);
  assert.ok(Math.abs(logits[1]! + Math.log(3)) < 1e-5, `${logits[1]}`);
});

test('logistic regression with a penalty meets its optimality conditions (zero gradient)', () => {
  const rng = new Rng(1);
  const rows = 300;
  const width = 5;
  const data = Float64Array.from({ length: rows * width }, () => rng.normal() * 3 + 1);
  const labels = Array.from({ length: rows }, (_, r) => data[r * width]! - data[r * width + 1]! + rng.normal() > 0);
  const l2 = 0.05;
  const model = fitLogisticRegression(stateMatrix(data, rows, width), labels, { l2 });
  assert.ok(model.converged);
  // Gradient of mean log-loss + l2/2 |w|^2 on the standardised features, computed here independently.
  const logits = logisticLogits(model, stateMatrix(data, rows, width));
  const gradient = new Array(width + 1).fill(0);
  for (let r = 0; r < rows; r++) {
    const residual = 1 / (1 + Math.exp(-logits[r]!)) - (labels[r] ? 1 : 0);
    for (let j = 0; j < width; j++) gradient[j] += (residual * (data[r * width + j]! - model.mean[j]!)) / model.scale[j]! / rows;
    gradient[width] += residual / rows;
  }
  for (let j = 0; j < width; j++) gradient[j] += l2 * model.weights[j]!;
  for (const g of gradient) assert.ok(Math.abs(g) < 1e-5, `gradient ${gradient}`);
  assert.ok(model.weights[0]! > 0 && model.weights[1]! < 0);
});

test('logistic regression: one class, mismatched labels and wrong widths are clear errors', () => {
  const x = stateMatrix(Float64Array.from([0, 1]), 2, 1);
  assert.throws(() => fitLogisticRegression(x, [true, true]), /needs both classes, got 2 positive and 0 negative/);
  assert.throws(() => fitLogisticRegression(x, [true]), /1 labels for 2 rows/);
  const model = fitLogisticRegression(x, [true, false]);
  assert.throws(() => logisticLogits(model, stateMatrix(new Float64Array(2), 1, 2)), /features have width 2, the model expects 1/);
});
