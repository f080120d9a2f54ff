import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleOf } from '../../src/display/protocol.js';
import { RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { parseHuginnConfig } from '../../src/model/config.js';

// Its own file (process): nothing else may have loaded the display layer's renderers yet.

test('library classes render through renderers that src/display loads on first use', () => {
  const summariesPath = require.resolve('../../src/display/summaries.js');
  // Loading the model does not load the display layer's renderers...
  assert.ok(!(summariesPath in require.cache), 'summaries.js was loaded before any model was displayed');
  const config = parseHuginnConfig({ n_embd: 16, n_heads: 2, n_layers_in_prelude: 1, n_layers_in_recurrent_block: 1, n_layers_in_coda: 1, intermediate_size: 32, vocab_size: 20, mean_recurrence: 3 });
  const model = Object.create(RecurrentDepthModel.prototype, { config: { value: config }, source: { value: 'tiny' } }) as RecurrentDepthModel;
  const bundle = bundleOf(model);
  // ...displaying a model does, and the registered summary is used.
  assert.ok(summariesPath in require.cache, 'displaying a model did not load summaries.js');
  assert.match(bundle['text/plain'] as string, /^RecurrentDepthModel \(tiny\)\n {2}width {12}16/);
  assert.match(bundle['text/html'] as string, /<table class="lt-summary">/);
});
