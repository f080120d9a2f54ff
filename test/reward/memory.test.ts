/** No tensor leaks: the live tensor count does not grow across repeated scoring, fitting, saving and loading. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { TransformerRewardModel } from '../../src/reward/transformer-reward-model.js';
import { ProbeRewardModel } from '../../src/reward/probe-reward-model.js';
import { fitRewardModel } from '../../src/reward/fit.js';
import { aurocByPrefix } from '../../src/reward/prefix-auroc.js';
import { loadRewardModel, saveRewardModel } from '../../src/reward/reward-model-files.js';
import { syntheticTrajectories } from './synthetic-trajectories.js';

const SHAPE = { steps: 6, width: 10 };
const train = syntheticTrajectories({ runs: 64, ...SHAPE, seed: 'train' });
const validation = syntheticTrajectories({ runs: 32, ...SHAPE, seed: 'validation' });
let directory: string;

before(async () => {
  await initBackend();
  directory = await mkdtemp(join(tmpdir(), 'lrm-memory-'));
});

after(async () => {
  await rm(directory, { recursive: true, force: true });
});

for (const kind of ['transformer', 'probe'] as const) {
  test(`${kind}: repeated score / fit / prefix AUROC / save / load leave the live tensor count unchanged`, async () => {
    const start = tf.memory().numTensors;
    const model = kind === 'transformer' ? TransformerRewardModel.create(SHAPE.width, 1, { dModel: 8, heads: 2, ffn: 16, mlpHidden: 8 }) : ProbeRewardModel.create(SHAPE.width, 1, { hidden: 4 });
    const withModel = tf.memory().numTensors;
    assert.equal(withModel - start, model.namedWeights().size);
    model.score(train.trajectories, { batchSize: 16 });
    await fitRewardModel(model, train, validation, { epochs: 1, batchSize: 16, seed: 1 });
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      model.score(train.trajectories, { batchSize: 16 });
      model.score(train.trajectories, { steps: 2 });
      await fitRewardModel(model, train, validation, { epochs: 2, batchSize: 16, seed: i, randomPrefixes: true });
      aurocByPrefix(model, validation, [1, 3]);
      // A failing fit (here: a throwing progress callback) frees its optimizer and batch tensors.
      await assert.rejects(fitRewardModel(model, train, validation, { epochs: 1, batchSize: 16, onProgress: () => {
        throw new Error('callback failed');
      } }), /callback failed/);
      assert.throws(() => model.score(train.trajectories, { steps: 99 }));
    }
    assert.equal(tf.memory().numTensors, afterFirst);
    assert.equal(afterFirst, withModel);
    const folder = join(directory, kind);
    await saveRewardModel(model, folder);
    const loaded = await loadRewardModel(folder);
    loaded.score(validation.trajectories);
    loaded.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, start);
  });
}
