import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { DEFAULT_MODEL_DIR, STANDARD_MODEL_DIR, defaultModelDir, loadDefaultModel, loadModelWithTokenizer, loadStandardModel } from '../../src/model/default-model.js';
import { initBackend } from '../../src/tensor/backend.js';

before(async () => {
  await initBackend();
});

test('the default model folder is the embedded one unless $LTO_DEFAULT_MODEL names another', async () => {
  const saved = process.env['LTO_DEFAULT_MODEL'];
  try {
    delete process.env['LTO_DEFAULT_MODEL'];
    assert.equal(defaultModelDir(), DEFAULT_MODEL_DIR);
    process.env['LTO_DEFAULT_MODEL'] = '';
    assert.equal(defaultModelDir(), DEFAULT_MODEL_DIR);
    process.env['LTO_DEFAULT_MODEL'] = 'some/where';
    assert.equal(defaultModelDir(), resolve('some/where'));
    await assert.rejects(loadDefaultModel(), /some\/where/);
  } finally {
    if (saved === undefined) delete process.env['LTO_DEFAULT_MODEL'];
    else process.env['LTO_DEFAULT_MODEL'] = saved;
  }
});

test('the embedded models load: the recurrent default and its same-size standard-transformer baseline', async () => {
  const recurrent = await loadModelWithTokenizer(DEFAULT_MODEL_DIR);
  const standard = await loadStandardModel();
  try {
    assert.equal(standard.dir, STANDARD_MODEL_DIR);
    // Same blocks and tokenizer, run once from a zero state instead of recurring from a random one.
    assert.equal(standard.model.config.nEmbd, recurrent.model.config.nEmbd);
    assert.equal(standard.model.config.vocabSize, recurrent.model.config.vocabSize);
    assert.equal(standard.model.config.meanRecurrence, 1);
    assert.equal(standard.model.config.stateInit, 'zero');
    assert.equal(recurrent.model.config.stateInit, 'like-init');
    assert.ok(recurrent.model.config.meanRecurrence > 1);
    // The inference defaults datasets/model/README.md documents (chosen on the validation split):
    // 2 steps from an initial state 4x the upstream std, no noise between steps.
    assert.equal(recurrent.model.config.testTimeSteps, 2);
    assert.equal(recurrent.model.config.testTimeInitScale, 4);
    assert.equal(recurrent.model.config.testTimeNoise.scale, 0);
    assert.deepEqual(standard.tokenizer.encode('a=3; a?\n'), recurrent.tokenizer.encode('a=3; a?\n'));
  } finally {
    recurrent.model.dispose();
    standard.model.dispose();
  }
});
