/** Saving and loading reward models: identical scores after reload, the files' contents, bad folders. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { SafetensorsFile, writeSafetensors } from '../../src/io/safetensors.js';
import { loadRewardModel, saveRewardModel, REWARD_CONFIG_FILE, REWARD_WEIGHTS_FILE } from '../../src/reward/reward-model-files.js';
import { ProbeRewardModel } from '../../src/reward/probe-reward-model.js';
import { TransformerRewardModel } from '../../src/reward/transformer-reward-model.js';
import { fitRewardModel } from '../../src/reward/fit.js';
import { syntheticTrajectories } from './synthetic-trajectories.js';

const SHAPE = { steps: 6, width: 10 };
const train = syntheticTrajectories({ runs: 96, ...SHAPE, seed: 'train' });
const validation = syntheticTrajectories({ runs: 48, ...SHAPE, seed: 'validation' });
let directory: string;

before(async () => {
  await initBackend();
  directory = await mkdtemp(join(tmpdir(), 'lrm-files-'));
});

after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('a trained transformer LRM reloads with identical scores, whole and prefix', async () => {
  const model = TransformerRewardModel.create(SHAPE.width, 1, { dModel: 8, heads: 2, ffn: 16, mlpHidden: 8 });
  const folder = join(directory, 'transformer');
  try {
    await fitRewardModel(model, train, validation, { epochs: 2, batchSize: 32, seed: 1 });
    await saveRewardModel(model, folder, { note: 'unit test' });
    const loaded = await loadRewardModel(folder);
    try {
      assert.ok(loaded instanceof TransformerRewardModel);
      assert.deepEqual(loaded.config, model.config);
      assert.deepEqual(loaded.score(validation.trajectories), model.score(validation.trajectories));
      assert.deepEqual(loaded.score(validation.trajectories, { steps: 3 }), model.score(validation.trajectories, { steps: 3 }));
    } finally {
      loaded.dispose();
    }
    const config = JSON.parse(await readFile(join(folder, REWARD_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
    assert.equal(config['format'], 'latent-thinking-reward-model');
    assert.equal(config['version'], 1);
    assert.deepEqual(config['model'], model.config);
    assert.deepEqual(config['info'], { note: 'unit test' });
    const file = await SafetensorsFile.open(join(folder, REWARD_WEIGHTS_FILE));
    try {
      assert.deepEqual(file.names().sort(), [...model.namedWeights().keys()].sort());
      assert.deepEqual(file.entry('input.proj.weight').shape, [SHAPE.width, 8]);
      // The fitted standardisation is saved too (it is not the identity after fitting).
      assert.notDeepEqual(Array.from(await file.readFloat32('input.mean')), new Array(SHAPE.width).fill(0));
    } finally {
      await file.close();
    }
    // No temporary files are left beside the outputs.
    assert.deepEqual((await readdir(folder)).sort(), [REWARD_CONFIG_FILE, REWARD_WEIGHTS_FILE]);
  } finally {
    model.dispose();
  }
});

test('a probe reloads with identical scores, and saving again overwrites', async () => {
  const folder = join(directory, 'probe');
  const first = ProbeRewardModel.create(SHAPE.width, 1, { hidden: 4 });
  const second = ProbeRewardModel.create(SHAPE.width, 2, { hidden: 4 });
  try {
    await saveRewardModel(first, folder);
    await saveRewardModel(second, folder);
    const loaded = await loadRewardModel(folder);
    try {
      assert.ok(loaded instanceof ProbeRewardModel);
      assert.deepEqual(loaded.score(validation.trajectories), second.score(validation.trajectories));
      assert.notDeepEqual(loaded.score(validation.trajectories), first.score(validation.trajectories));
    } finally {
      loaded.dispose();
    }
  } finally {
    first.dispose();
    second.dispose();
  }
});

test('bad folders are named, and a failed load frees what it built', async () => {
  const liveBefore = tf.memory().numTensors;
  await assert.rejects(loadRewardModel(join(directory, 'absent')), /cannot read .*config\.json/);
  const wrongFormat = join(directory, 'wrong-format');
  const model = ProbeRewardModel.create(SHAPE.width, 1);
  try {
    await saveRewardModel(model, wrongFormat);
    await writeFile(join(wrongFormat, REWARD_CONFIG_FILE), JSON.stringify({ format: 'something-else', version: 1, model: model.config }));
    await assert.rejects(loadRewardModel(wrongFormat), /format "something-else"; expected "latent-thinking-reward-model"/);
    await writeFile(join(wrongFormat, REWARD_CONFIG_FILE), JSON.stringify({ format: 'latent-thinking-reward-model', version: 1, model: { ...model.config, hidden: 3 } }));
    await assert.rejects(loadRewardModel(wrongFormat), /tensor "probe.0.weight" has 20 values; expected shape \[20, 3\] = 60/);
    await writeFile(join(wrongFormat, REWARD_CONFIG_FILE), JSON.stringify({ format: 'latent-thinking-reward-model', version: 1, model: model.config }));
    await writeSafetensors(join(wrongFormat, REWARD_WEIGHTS_FILE), { 'input.mean': { dtype: 'F32', shape: [20], data: new Float32Array(20) } });
    await assert.rejects(loadRewardModel(wrongFormat), /tensor "input.scale" is missing/);
  } finally {
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, liveBefore);
});
