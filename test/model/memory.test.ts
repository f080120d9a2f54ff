/**
 * No tensor leaks: the live tensor count is the same before and after many forward and generate
 * calls (results disposed), including failing calls and early exit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { generate, type GenerateOptions } from '../../src/model/generate.js';
import { KvCache } from '../../src/model/kv-cache.js';
import type { RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { useSyntheticModel } from '../helpers/model.js';

const T = 3;
const PROMPTS = [
  [1, 2, 3, 4],
  [5, 6],
];

let model: RecurrentDepthModel;
useSyntheticModel((m) => {
  model = m;
});

/** Runs `fn(0)` to warm up, then `fn(1..n)`, and checks the live tensor count did not change. */
function assertNoGrowth(n: number, fn: (i: number) => void): void {
  fn(0);
  const before = tf.memory().numTensors;
  for (let i = 1; i <= n; i++) fn(i);
  const afterCount = tf.memory().numTensors;
  assert.equal(afterCount, before, `live tensors grew from ${before} to ${afterCount} over ${n} calls`);
}

test('200 forward calls with records (disposed each time) leave the tensor count unchanged', () => {
  // The first call may build the backend's derived weight layout (the head-major one on tfjs-node).
  model.forward([[1, 2, 3]], { steps: 1 }).dispose();
  const baseline = tf.memory().numTensors;
  assertNoGrowth(200, (i) => {
    const r = model.forward([[1, 2, 3, 4, 5]], {
      steps: T,
      seed: i,
      runs: i % 2 === 0 ? 1 : 2,
      record: ['embed', 'prelude.out', 'state.*', 'latent.*', 'logits.*', 'coda.out', 'logits'],
      positions: i % 3 === 0 ? 'all' : i % 3 === 1 ? 'last' : [0, 2],
      logits: i % 4 === 0 ? 'none' : 'all',
    });
    r.dispose();
  });
  assert.equal(tf.memory().numTensors, baseline);
});

test('forward calls with padding masks and a KV cache do not leak once the cache is disposed', () => {
  assertNoGrowth(30, (i) => {
    const cache = new KvCache();
    const first = model.forward([[0, 0, 1, 2], [3, 4, 5, 6]], { steps: T, seed: i + 1, cache, attentionMask: [[0, 0, 1, 1], [1, 1, 1, 1]], record: ['latent.*'] });
    first.dispose();
    const next = model.forward([[7], [8]], { steps: T, seed: i + 2, cache, attentionMask: [[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], record: ['logits.*'] });
    next.dispose();
    cache.dispose();
  });
});

test('failing forward calls do not leak', () => {
  const s0 = new Float32Array(7);
  const wrongTensor = tf.zeros([1, 3, 5]) as tf.Tensor3D;
  assertNoGrowth(20, () => {
    assert.throws(() => model.forward([[1, 2, 3]], { steps: T, initialState: s0 }), /initialState has 7 values/);
    assert.throws(() => model.forward([[1, 2, 3]], { steps: T, initialState: wrongTensor }), /initialState tensor has shape/);
    assert.throws(() => model.forward([[1, 2, 3]], { steps: T, record: ['nope'] }), /unknown latent name/);
    assert.throws(() => model.forward([[1, 2, 3]], { steps: T, attentionMask: [[1, 1]] }), /attentionMask row 0/);
  });
  wrongTensor.dispose();
});

test('a forward that fails inside the model (cache built for another batch size) does not leak', () => {
  const cache = new KvCache();
  model.forward([[1, 2, 3], [4, 5, 6]], { steps: T, cache }).dispose();
  try {
    assertNoGrowth(10, () => {
      assert.throws(() => model.forward([[7]], { steps: T, cache }));
    });
  } finally {
    cache.dispose();
  }
});

const GENERATE_CASES: [string, GenerateOptions][] = [
  ['greedy, latents recorded', { maxNewTokens: 4, steps: T }],
  ['sampled, runs, no latents', { maxNewTokens: 4, steps: T, runs: 2, decoding: { temperature: 1, topK: 5, topP: 0.9 }, recordLatents: false }],
  ['early exit (latent-diff, exits at once)', { maxNewTokens: 4, steps: T, earlyExit: { criterion: 'latent-diff', threshold: 1e9 } }],
  ['early exit (kl, needs decoded distributions)', { maxNewTokens: 4, steps: T, runs: 2, earlyExit: { criterion: 'kl', threshold: 5e-4 } }],
  ['early exit that never triggers, with a stop token', { maxNewTokens: 4, steps: T, stopTokens: [0, 1, 2], earlyExit: { criterion: 'cosine', threshold: 0 } }],
];

for (const [name, options] of GENERATE_CASES) {
  test(`20 generate calls (${name}) leave the tensor count unchanged`, () => {
    assertNoGrowth(20, (i) => {
      const gen = generate(model, PROMPTS, { ...options, seed: i });
      assert.equal(gen.sequences.length, PROMPTS.length * (options.runs ?? 1));
    });
  });
}

test('failing generate calls do not leak', () => {
  assertNoGrowth(10, () => {
    assert.throws(() => generate(model, [[1, 2, 99]], { maxNewTokens: 2, steps: T }), /outside the vocabulary/);
    assert.throws(() => generate(model, [[1]], { maxNewTokens: 2, steps: T, earlyExit: { criterion: 'kl', threshold: -1 } }), /threshold/);
  });
});
