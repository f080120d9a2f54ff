import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { weightMatMul } from '../../src/model/layers/weight-matmul.js';
import { Rng } from '../../src/tensor/random.js';

before(async () => {
  await initBackend();
});

test('weightMatMul has the value and gradients of tf.matMul', () => {
  const rng = new Rng(5);
  const x = tf.tensor2d(rng.truncatedNormalArray(6 * 4, 1), [6, 4]);
  const w = tf.tensor2d(rng.truncatedNormalArray(4 * 3, 1), [4, 3]);
  const dy = tf.tensor2d(rng.truncatedNormalArray(6 * 3, 1), [6, 3]);
  const loss = (f: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor2D, b as tf.Tensor2D), dy));
  const [gx, gw] = tf.grads(loss(weightMatMul))([x, w]);
  const [rx, rw] = tf.grads(loss((a, b) => tf.matMul(a, b)))([x, w]);
  const close = (a: tf.Tensor, b: tf.Tensor) => Math.max(...(tf.abs(tf.sub(a, b)).dataSync() as Float32Array));
  assert.ok(close(gx!, rx!) < 1e-5);
  assert.ok(close(gw!, rw!) < 1e-5);
  assert.ok(close(weightMatMul(x, w), tf.matMul(x, w)) === 0);
  // 6x4 by 4x3 has non-trivial gradients (guards against comparing zeros).
  assert.ok(Math.max(...(tf.abs(gw!).dataSync() as Float32Array)) > 0.1);
});
