import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poolTokenLatents } from '../../src/thoughts/pooling.js';

// 3 tokens x 2 states x 2 width: token k, state s, unit i holds 100k + 10s + i.
const latents = Float32Array.from({ length: 12 }, (_, j) => 100 * Math.floor(j / 4) + 10 * Math.floor((j % 4) / 2) + (j % 2));

test('mean, first and last pooling of [tokens, states, width]', () => {
  assert.deepEqual([...poolTokenLatents(latents, 3, 2, 2, 'mean')], [100, 101, 110, 111]);
  assert.deepEqual([...poolTokenLatents(latents, 3, 2, 2, 'first')], [0, 1, 10, 11]);
  assert.deepEqual([...poolTokenLatents(latents, 3, 2, 2, 'last')], [200, 201, 210, 211]);
});

test('sizes that disagree, no tokens and unknown poolings are clear errors', () => {
  assert.throws(() => poolTokenLatents(latents, 2, 2, 2, 'mean'), /12 values, expected tokens x steps x width = 2 x 2 x 2/);
  assert.throws(() => poolTokenLatents(new Float32Array(0), 0, 2, 2, 'mean'), /at least one generated token, got 0/);
  assert.throws(() => poolTokenLatents(latents, 3, 2, 2, 'max' as never), /pooling must be one of mean, last, first, got "max"/);
});
