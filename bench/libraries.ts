/**
 * The two hand-written numerical routines against the npm libraries made for the job, measured
 * (the project's rule: a hand-written replacement is justified by a measurement).
 *
 * - symmetricEigen (src/analysis/symmetric-eigen.ts) against ml-matrix's EigenvalueDecomposition
 *   (the same JAMA tred2/tql2 algorithm) on seeded random symmetric matrices of order 128 (a
 *   covariance of the embedded model's states, as in PCA and the per-step metrics) and 512. Ours
 *   has an eigenvalues-only path, which is what matrix entropy and effective rank need, and works
 *   on one flat Float64Array instead of arrays of rows.
 * - fitLogisticRegression (src/analysis/logistic-regression.ts, L-BFGS) against
 *   ml-logistic-regression (batch gradient descent with a fixed number of steps) on 2,000 x 96
 *   seeded points labelled by a noisy linear rule: time and training accuracy.
 *
 * ml-matrix and ml-logistic-regression are devDependencies used only here.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { symmetricEigen } from '../src/analysis/symmetric-eigen.js';
import { fitLogisticRegression, logisticLogits } from '../src/analysis/logistic-regression.js';
import { Rng } from '../src/tensor/random.js';

// ml-logistic-regression ships no type declarations; this is the part of its API used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const LogisticRegression = require('ml-logistic-regression') as new (options: { numSteps: number; learningRate: number }) => {
  train(x: Matrix, y: Matrix): void;
  predict(x: Matrix): number[];
};

/** Median milliseconds of `reps` calls after one warm-up call. */
function medianMs(reps: number, fn: () => unknown): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 100) / 100;
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

function eigenSection(n: number, reps: number): Record<string, number> {
  const a = randomSymmetric(n, n);
  const rows = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
  const ours = symmetricEigen(a, n).values;
  const theirs = [...new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true }).realEigenvalues].sort((x, y) => y - x);
  let maxDiff = 0;
  for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - theirs[i]!));
  return {
    ours_with_vectors_ms: medianMs(reps, () => symmetricEigen(a, n, { vectors: true })),
    ours_values_only_ms: medianMs(reps, () => symmetricEigen(a, n)),
    ml_matrix_ms: medianMs(reps, () => new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true })),
    max_eigenvalue_difference: maxDiff,
  };
}

function logisticSection(): Record<string, number> {
  const rows = 2000;
  const width = 96;
  const rng = new Rng(7);
  const truth = Array.from({ length: width }, () => rng.normal());
  const data = new Float32Array(rows * width);
  const labels: boolean[] = [];
  for (let i = 0; i < rows; i++) {
    let z = rng.normal() * 2; // label noise
    for (let j = 0; j < width; j++) {
      const v = rng.normal();
      data[i * width + j] = v;
      z += v * truth[j]!;
    }
    labels.push(z > 0);
  }
  const accuracy = (predicted: ArrayLike<boolean>): number => {
    let right = 0;
    for (let i = 0; i < rows; i++) if (predicted[i] === labels[i]) right++;
    return right / rows;
  };
  const features = { data, rows, width };
  let start = Date.now();
  const model = fitLogisticRegression(features, labels);
  const oursMs = Date.now() - start;
  const ours = accuracy(Array.from(logisticLogits(model, features), (z) => z > 0));

  const x = new Matrix(rows, width);
  for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) x.set(i, j, data[i * width + j]!);
  const y = Matrix.columnVector(labels.map((b) => (b ? 1 : 0)));
  start = Date.now();
  const theirs = new LogisticRegression({ numSteps: 1000, learningRate: 5e-3 });
  theirs.train(x, y);
  const theirsMs = Date.now() - start;
  return {
    ours_ms: oursMs,
    ours_iterations: model.iterations,
    ours_train_accuracy: ours,
    ml_logistic_regression_1000_steps_ms: theirsMs,
    ml_logistic_regression_train_accuracy: accuracy(theirs.predict(x).map((p) => p === 1)),
  };
}

export function benchLibraries(log: (line: string) => void): Record<string, Record<string, number>> {
  log('libraries: symmetric eigen-decomposition, order 128 ...');
  const eigen128 = eigenSection(128, 15);
  log('libraries: symmetric eigen-decomposition, order 512 ...');
  const eigen512 = eigenSection(512, 3);
  log('libraries: logistic regression, 2,000 x 96 ...');
  return { eigen_128: eigen128, eigen_512: eigen512, logistic_2000_x_96: logisticSection() };
}
