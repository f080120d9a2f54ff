import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/tensor/backend.js';
import { RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { parameterCount } from '../../src/model/config.js';
import { JUPYTER_DISPLAY, bundleOf, isDisplayable } from '../../src/display/protocol.js';
import { configSummary, groupDigits, shortCount } from '../../src/display/summaries.js';
import { loadSyntheticModel, type SyntheticModel } from '../helpers/model.js';

let loaded: SyntheticModel;

before(async () => {
  await initBackend();
  // h=32, 4 heads, blocks 1+2+1, MLP 64, vocab 50, mean recurrence 4, block size 64.
  loaded = await loadSyntheticModel();
});
after(() => loaded.close());

test('number formatting of summaries does not depend on the locale', () => {
  assert.equal(groupDigits(1234567), '1,234,567');
  assert.equal(groupDigits(999), '999');
  assert.equal(shortCount(1234567), '1.23M');
  assert.equal(shortCount(25000), '25k');
  assert.equal(shortCount(3_500_000_000), '3.5B');
  assert.equal(shortCount(640), '640');
  assert.equal(shortCount(179_776), '180k');
  assert.equal(shortCount(100_000), '100k');
  assert.equal(shortCount(999_999), '1M');
  assert.equal(shortCount(1_500_000_000_000), '1500B');
});

test('a model renders itself through the display protocol (text/plain and an HTML table)', () => {
  const { model, dir } = loaded;
  // The method lives on the class; the rendering is loaded from src/display on first use.
  assert.equal(isDisplayable(model), true);
  const bundle = bundleOf(model);
  assert.deepEqual(Object.keys(bundle).sort(), ['text/html', 'text/plain']);
  assert.equal(parameterCount(model.config), 45_408);
  const plain = bundle['text/plain'] as string;
  assert.equal(plain.split('\n')[0], `RecurrentDepthModel (${dir})`);
  for (const line of ['width            32', 'heads            4 × 8', 'blocks           1 prelude + 2 core (recurrent) + 1 coda', 'mlp width        64', 'parameters       45.4k (45,408)', 'vocab            50', 'mean recurrence  4', 'context          64 tokens']) {
    assert.ok(plain.includes(`  ${line}`), `missing "${line}" in\n${plain}`);
  }
  const html = bundle['text/html'] as string;
  assert.match(html, /^<table class="lt-summary">/);
  assert.match(html, /<th[^>]*>width<\/th><td[^>]*>32<\/td>/);
  assert.match(html, /<th[^>]*>mean recurrence<\/th><td[^>]*>4<\/td>/);
  assert.ok(html.includes(`<code>${dir}</code>`));
  assert.equal((html.match(/<tr>/g) ?? []).length, 8);
});

test('the source folder is escaped in the HTML summary, never raw', () => {
  const hostile = `/models/<script>alert(1)</script>&"'<>`;
  // A model object with a hostile source, made without the constructor (no tensors to manage):
  // the display method and the registered renderer are the real ones.
  const renamed = Object.create(RecurrentDepthModel.prototype, { config: { value: loaded.model.config }, source: { value: hostile } }) as RecurrentDepthModel;
  const bundle = renamed[JUPYTER_DISPLAY]();
  const html = bundle['text/html'] as string;
  assert.ok(!html.includes('<script>'), html);
  assert.ok(html.includes('<code>/models/&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;&lt;&gt;</code>'), html);
  // Plain text is text: it shows the source as it is.
  assert.ok((bundle['text/plain'] as string).startsWith(`RecurrentDepthModel (${hostile})`));
});

test('a configuration has a summary of its own', () => {
  const bundle = configSummary(loaded.model.config);
  assert.match(bundle['text/plain'] as string, /^Huginn configuration\n {2}width {12}32\n/);
  assert.match(bundle['text/html'] as string, /<caption[^>]*><strong>Huginn configuration<\/strong><\/caption>/);
});
