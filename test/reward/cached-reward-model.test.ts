/** trainOrLoadRewardModel: trains once, then loads the same model and fit; the key follows every input. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/tensor/backend.js';
import { rewardModelCacheKey, trainOrLoadRewardModel } from '../../src/reward/cached-reward-model.js';
import type { TrainRewardModelOptions } from '../../src/reward/train-reward-model.js';
import { syntheticTrajectories } from './synthetic-trajectories.js';

const SHAPE = { steps: 5, width: 8 };
const train = syntheticTrajectories({ runs: 64, ...SHAPE, seed: 'train' });
const validation = syntheticTrajectories({ runs: 32, ...SHAPE, seed: 'validation' });
const OPTIONS: TrainRewardModelOptions = { model: { kind: 'transformer', dModel: 8, heads: 2, ffn: 16, mlpHidden: 8 }, epochs: 2, batchSize: 32, seed: 3 };
let cache: string;

before(async () => {
  await initBackend();
  cache = await mkdtemp(join(tmpdir(), 'lrm-cache-'));
});

after(async () => {
  await rm(cache, { recursive: true, force: true });
});

test('the second call loads the first one\'s model (identical scores) and fit; no temporary folder is left', async () => {
  const first = await trainOrLoadRewardModel(cache, train, validation, { ...OPTIONS, onProgress: () => undefined });
  const second = await trainOrLoadRewardModel(cache, train, validation, OPTIONS);
  try {
    assert.equal(first.cached, false);
    assert.equal(second.cached, true, 'callbacks are not part of the key');
    assert.deepEqual(second.model.score(validation.trajectories), first.model.score(validation.trajectories));
    assert.deepEqual(second.fit, first.fit);
    assert.deepEqual(await readdir(cache), [rewardModelCacheKey(train, validation, OPTIONS)]);
  } finally {
    first.model.dispose();
    second.model.dispose();
  }
});

test('the key changes with the options, the trajectories and the labels', () => {
  const key = rewardModelCacheKey(train, validation, OPTIONS);
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.notEqual(rewardModelCacheKey(train, validation, { ...OPTIONS, seed: 4 }), key);
  const data = Float32Array.from(train.trajectories.data);
  data[7] = data[7]! + 1e-6;
  assert.notEqual(rewardModelCacheKey({ ...train, trajectories: { ...train.trajectories, data } }, validation, OPTIONS), key);
  const correct = Array.from(validation.correct);
  correct[0] = !correct[0];
  assert.notEqual(rewardModelCacheKey(train, { ...validation, correct }, OPTIONS), key);
});

test('a training stopped by shouldStop is returned but not cached', async () => {
  const options = { ...OPTIONS, seed: 11 };
  const stopped = await trainOrLoadRewardModel(cache, train, validation, { ...options, shouldStop: () => true });
  stopped.model.dispose();
  assert.equal(stopped.fit.stopReason, 'stopped');
  assert.ok(!(await readdir(cache)).includes(rewardModelCacheKey(train, validation, options)));
});
