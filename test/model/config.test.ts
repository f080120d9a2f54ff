/**
 * parseHuginnConfig: the fixture config, defaults, clear errors for unsupported or broken
 * configurations; parameterCount of the released Huginn-3.5B shape; the inference defaults
 * (test_time_steps, test_time_init_scale) reaching the initial-state sampler, forward and generate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHuginnConfig, parameterCount, type HuginnConfig } from '../../src/model/config.js';
import { generate } from '../../src/model/generate.js';
import { InitialStateSampler } from '../../src/model/initial-state.js';
import { RecurrentDepthModel, type ForwardOptions } from '../../src/model/recurrent-depth-model.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { initBackend } from '../../src/tensor/backend.js';
import { SMALL_SHAPE } from '../helpers/model.js';
import { sharedDir } from '../helpers/shared.js';
import { huginnConfigJson, writeSyntheticHuginnCheckpoint } from '../helpers/synthetic-checkpoint.js';

/** The released Huginn-3.5B config (the keys that matter). */
const HUGINN_3_5B = {
  n_embd: 5280,
  n_heads: 55,
  num_key_value_heads: 55,
  n_layers: 8,
  n_layers_in_prelude: 2,
  n_layers_in_recurrent_block: 4,
  n_layers_in_coda: 2,
  intermediate_size: 17920,
  block_size: 4096,
  vocab_size: 65536,
  padded_vocab_size: 65536,
  bias: false,
  qk_bias: true,
  tie_embeddings: true,
  block_class_name: 'SandwichBlock',
  norm_class_name: 'RMSNorm_llama',
  norm_eps: 1e-6,
  mlp_class_name: 'GatedMLP',
  nonlin_name: 'SiLU',
  rope_base: 50000,
  injection_type: 'linear',
  mean_recurrence: 32,
  mean_backprop_depth: 8,
  init_values: { std: Math.sqrt(2 / (5 * 5280)), embed_scale: Math.sqrt(5280) },
};

function without(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

test('the huginn-tiny fixture config parses to the documented shape', async (t) => {
  const shared = sharedDir();
  if (!shared) {
    t.skip('shared/ folder not found (set LATENT_THINKING_SHARED)');
    return;
  }
  const path = join(shared, 'fixtures', 'huginn-tiny', 'config.json');
  const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const c = parseHuginnConfig(json, path);
  const { raw, ...fields } = c;
  assert.deepEqual(fields, {
    nEmbd: 64,
    nHeads: 4,
    headSize: 16,
    nPrelude: 1,
    nCore: 2,
    nCoda: 1,
    intermediateSize: 128,
    vocabSize: 96,
    paddedVocabSize: 96,
    normEps: 1e-6,
    ropeBase: 50000,
    blockSize: 64,
    meanRecurrence: 4,
    meanBackpropDepth: 8,
    initStd: 0.07905694150420949,
    embedScale: 8,
    qkBias: true,
    tieEmbeddings: true,
    stateInit: 'like-init',
    testTimeNoise: { scale: 0, schedule: 'fixed' },
    testTimeSteps: 4,
    testTimeInitScale: 1,
  });
  assert.deepEqual(raw, json, 'the raw config is kept unchanged');
  // The parameter count equals the number of values stored in the fixture's weights.
  const file = await SafetensorsFile.open(join(shared, 'fixtures', 'huginn-tiny', 'model.safetensors'));
  try {
    const stored = file.names().reduce((s, n) => s + file.entry(n).shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(parameterCount(c), stored);
  } finally {
    await file.close();
  }
});

test('head_dim is ignored: the head size is always n_embd / n_heads', () => {
  const c = parseHuginnConfig({ ...HUGINN_3_5B, head_dim: 128 });
  assert.equal(c.headSize, 96);
});

test('a minimal config gets the Huginn defaults', () => {
  const c = parseHuginnConfig({ n_embd: 40, n_heads: 5, n_layers_in_prelude: 0, n_layers_in_recurrent_block: 1, n_layers_in_coda: 0, intermediate_size: 8, vocab_size: 10 });
  assert.equal(c.headSize, 8);
  assert.equal(c.paddedVocabSize, 10);
  assert.equal(c.normEps, 1e-6);
  assert.equal(c.ropeBase, 50000);
  assert.equal(c.blockSize, 4096);
  assert.equal(c.meanRecurrence, 32);
  assert.equal(c.testTimeSteps, 32, 'inference defaults to mean_recurrence steps, as upstream');
  assert.equal(c.testTimeInitScale, 1);
  assert.equal(c.meanBackpropDepth, 8);
  assert.equal(c.initStd, Math.sqrt(2 / (5 * 40)));
  assert.equal(c.embedScale, 1);
  assert.equal(c.qkBias, false);
  assert.equal(c.tieEmbeddings, true);
});

test('the synthetic config helper produces a config that parses', () => {
  const c = parseHuginnConfig(huginnConfigJson({ nEmbd: 32, nHeads: 4, nPrelude: 1, nCore: 2, nCoda: 1, intermediate: 64, vocab: 50 }));
  assert.equal(c.nEmbd, 32);
  assert.equal(c.headSize, 8);
  assert.equal(c.embedScale, Math.sqrt(32));
});

test('n_embd not divisible by n_heads is rejected, naming both', () => {
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, n_embd: 5281 }, 'hub/config.json'), (e: Error) => {
    assert.match(e.message, /^hub\/config\.json: "n_embd" must be divisible by n_heads=55, got 5281$/);
    return true;
  });
});

test('an odd head size is rejected (rotary needs pairs)', () => {
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, n_embd: 55 * 3 }), /"n_embd" \/ n_heads must be even for rotary embeddings \(head size 3\)/);
});

test('unsupported variants are rejected with the supported value named', () => {
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, mlp_class_name: 'SwiGLU' }), /"mlp_class_name" must be "GatedMLP" \(the only variant implemented\), got "SwiGLU"/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, injection_type: 'add' }), /"injection_type" must be "linear"/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, block_class_name: 'TransformerPreNormBlock' }), /"block_class_name" must be "SandwichBlock"/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, nonlin_name: 'GELU' }), /"nonlin_name" must be "SiLU"/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, bias: true }), /"bias" must be false/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, norm_class_name: 'LayerNorm' }), /"norm_class_name" must be "RMSNorm_llama" or "RMSNorm"/);
});

test('grouped key/value heads are rejected', () => {
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, num_key_value_heads: 5 }), /"num_key_value_heads" must equal n_heads=55 \(grouped key\/value heads are not part of Huginn\), got 5/);
});

test('missing required keys are named in the error', () => {
  for (const key of ['n_embd', 'n_heads', 'vocab_size', 'intermediate_size', 'n_layers_in_recurrent_block', 'n_layers_in_prelude', 'n_layers_in_coda']) {
    assert.throws(() => parseHuginnConfig(without(HUGINN_3_5B, key), 'x/config.json'), (e: Error) => {
      assert.ok(e.message.startsWith(`x/config.json: "${key}" must be a`), `missing ${key}: ${e.message}`);
      assert.match(e.message, /got undefined$/);
      return true;
    });
  }
});

test('wrongly typed or out-of-range values are rejected', () => {
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, n_heads: 0 }), /"n_heads" must be a positive integer, got 0/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, n_embd: '5280' }), /"n_embd" must be a positive integer, got "5280"/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, n_layers_in_coda: -1 }), /"n_layers_in_coda" must be a non-negative integer/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, n_layers_in_recurrent_block: 0 }), /"n_layers_in_recurrent_block" must be a positive integer/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, norm_eps: 0 }), /"norm_eps" must be a positive number/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, padded_vocab_size: 100 }), /"padded_vocab_size" must be >= vocab_size=65536, got 100/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, tie_embeddings: 'yes' }), /"tie_embeddings" must be a boolean/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, qk_bias: 1 }), /"qk_bias" must be a boolean/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, init_values: { std: -1 } }), /init_values: "std" must be a positive number, got -1/);
  assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, init_values: 3 }), /"init_values" must be an object/);
});

test('non-object configs are rejected', () => {
  for (const bad of [null, [], 'config', 42]) {
    assert.throws(() => parseHuginnConfig(bad, 'c.json'), /^Error: c\.json: expected a JSON object with the model configuration$/);
  }
});

test('parameterCount of Huginn-3.5B is 3,564,976,800 (tied head counted once)', () => {
  const c: HuginnConfig = parseHuginnConfig(HUGINN_3_5B);
  assert.equal(parameterCount(c), 3_564_976_800);
  // An untied head adds vocab x h; dropping qk_bias removes 2h per block (8 blocks).
  assert.equal(parameterCount(parseHuginnConfig({ ...HUGINN_3_5B, tie_embeddings: false })), 3_564_976_800 + 65536 * 5280);
  assert.equal(parameterCount(parseHuginnConfig({ ...HUGINN_3_5B, qk_bias: false })), 3_564_976_800 - 8 * 2 * 5280);
});

test('test_time_steps and test_time_init_scale set the inference defaults; bad values name the file and key', () => {
  const c = parseHuginnConfig({ ...HUGINN_3_5B, test_time_steps: 2, test_time_init_scale: 4 });
  assert.equal(c.meanRecurrence, 32);
  assert.equal(c.testTimeSteps, 2);
  assert.equal(c.testTimeInitScale, 4);
  assert.equal(parseHuginnConfig({ ...HUGINN_3_5B, test_time_init_scale: 0 }).testTimeInitScale, 0);
  for (const bad of [0, -1, 2.5, '2']) {
    assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, test_time_steps: bad }, 'm/config.json'), { message: `m/config.json: "test_time_steps" must be a positive integer, got ${JSON.stringify(bad)}` });
  }
  for (const bad of [-0.5, Number.POSITIVE_INFINITY, '4']) {
    assert.throws(() => parseHuginnConfig({ ...HUGINN_3_5B, test_time_init_scale: bad }, 'm/config.json'), /^Error: m\/config\.json: "test_time_init_scale" must be a finite number >= 0, got /);
  }
});

test('a checkpoint whose config sets test_time_steps and test_time_init_scale runs with them when the options leave them out', async () => {
  await initBackend();
  const dir = await mkdtemp(join(tmpdir(), 'lt-config-defaults-'));
  try {
    await writeSyntheticHuginnCheckpoint(dir, SMALL_SHAPE, { seed: 1 });
    const configPath = join(dir, 'config.json');
    const json = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(configPath, JSON.stringify({ ...json, test_time_steps: 2, test_time_init_scale: 3 }));
    const model = await RecurrentDepthModel.load(dir);
    try {
      assert.equal(model.config.meanRecurrence, SMALL_SHAPE.meanRecurrence);
      assert.equal(new InitialStateSampler(model.config, [1]).initScale, 3);
      const prompt = [3, 1, 4, 1, 5];
      const initialState = (o: ForwardOptions): { steps: number; s0: Float32Array } => {
        const r = model.forward([prompt], { ...o, seed: 5, record: ['state.*'], logits: 'none' });
        try {
          return { steps: r.records.size - 1, s0: r.records.get('state.0')!.dataSync() as Float32Array };
        } finally {
          r.dispose();
        }
      };
      const implicit = initialState({});
      assert.equal(implicit.steps, 2);
      assert.deepEqual(implicit.s0, initialState({ steps: 2, initScale: 3 }).s0);
      assert.notDeepEqual(implicit.s0, initialState({ steps: 2, initScale: 1 }).s0);

      const generated = generate(model, [prompt], { maxNewTokens: 3, seed: 5 });
      assert.equal(generated.steps, 2);
      assert.deepEqual(generated.sequences[0]!.latents, generate(model, [prompt], { maxNewTokens: 3, seed: 5, steps: 2, initScale: 3 }).sequences[0]!.latents);
    } finally {
      model.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
