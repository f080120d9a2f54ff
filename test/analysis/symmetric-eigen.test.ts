import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigen } from '../../src/analysis/symmetric-eigen.js';
import { Rng } from '../../src/tensor/random.js';

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

test('symmetricEigen: [[2,1],[1,2]] has eigenvalues 3 and 1 with eigenvectors (1,1)/sqrt2 and (1,-1)/sqrt2', () => {
  const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2, { vectors: true });
  close(values[0]!, 3, 1e-12, 'lambda 1');
  close(values[1]!, 1, 1e-12, 'lambda 2');
  close(Math.abs(vectors![0]!), Math.SQRT1_2, 1e-12, 'v1 x');
  close(vectors![0]! * vectors![1]!, 0.5, 1e-12, 'v1 x*y (same sign)');
  close(vectors![2]! * vectors![3]!, -0.5, 1e-12, 'v2 x*y (opposite signs)');
});

test('symmetricEigen: a diagonal matrix gives its diagonal, sorted descending', () => {
  const { values } = symmetricEigen([1, 0, 0, 0, -4, 0, 0, 0, 7], 3);
  assert.deepEqual([...values], [7, 1, -4]);
  assert.deepEqual([...symmetricEigen([5], 1).values], [5]);
});

test('symmetricEigen: a random 30 x 30 symmetric matrix satisfies A v = lambda v with orthonormal v', () => {
  const n = 30;
  const rng = new Rng(7);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  const { values, vectors } = symmetricEigen(a, n, { vectors: true });
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i]!;
  close(values.reduce((s, v) => s + v, 0), trace, 1e-9, 'sum of eigenvalues = trace');
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors![k * n + j]!;
      close(av, values[k]! * vectors![k * n + i]!, 1e-9, `(A v_${k})_${i}`);
    }
    for (let m = 0; m <= k; m++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += vectors![k * n + i]! * vectors![m * n + i]!;
      close(dot, k === m ? 1 : 0, 1e-9, `v_${k} . v_${m}`);
    }
  }
  const valuesOnly = symmetricEigen(a, n).values;
  for (let k = 0; k < n; k++) close(valuesOnly[k]!, values[k]!, 1e-9, `eigenvalue ${k} without vectors`);
});

test('symmetricEigen: wrong sizes and non-finite entries are clear errors', () => {
  assert.throws(() => symmetricEigen([1, 2, 3], 2), /matrix has 3 values, expected n x n = 4/);
  assert.throws(() => symmetricEigen([1, 0, NaN, 1], 2), /entry \(1, 0\) is NaN/);
  assert.throws(() => symmetricEigen([], 0), /n must be a positive integer/);
});
