import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { DEFAULT_MODEL_DIR, defaultModelDir, loadDefaultModel } from '../../src/model/default-model.js';

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
