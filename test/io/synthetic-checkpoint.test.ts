import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpointTensors } from '../../src/io/checkpoint.js';
import { SafetensorsFile, bf16BitsToFloat32, float32ToBf16Bits } from '../../src/io/safetensors.js';
import { sharedDir } from '../helpers/shared.js';
import { SyntheticHuginnShape, huginnConfigJson, huginnTensorList, writeSyntheticHuginnCheckpoint } from '../helpers/synthetic-checkpoint.js';

/** The synthetic Huginn checkpoint helper: config layout, tensor list, files and values. */

const TINY: SyntheticHuginnShape = { nEmbd: 64, nHeads: 4, nPrelude: 1, nCore: 2, nCoda: 1, intermediate: 128, vocab: 96, blockSize: 64, meanRecurrence: 4 };

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-io-synthetic-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function stats(values: Float32Array): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (const v of values) {
    s += v;
    s2 += v * v;
  }
  const mean = s / values.length;
  return { mean, std: Math.sqrt(s2 / values.length - mean * mean) };
}

test('config.json for the fixture shape equals the fixture, key order included', async (t) => {
  const shared = sharedDir();
  if (shared === undefined) return t.skip('shared/ not present');
  const fixture = JSON.parse(await readFile(join(shared, 'fixtures/huginn-tiny/config.json'), 'utf8')) as Record<string, unknown>;
  const ours = huginnConfigJson(TINY);
  assert.deepEqual(Object.keys(ours), Object.keys(fixture));
  assert.deepEqual(ours, fixture);
});

test('config.json derived values for the released model shape', () => {
  const config = huginnConfigJson({ nEmbd: 5280, nHeads: 55, nPrelude: 2, nCore: 4, nCoda: 2, intermediate: 17920, vocab: 65536 });
  assert.equal(config['head_dim'], 96);
  assert.equal(config['block_size'], 4096);
  assert.equal(config['mean_recurrence'], 32);
  assert.equal(config['effective_expected_depth'], 132);
  const init = config['init_values'] as Record<string, number>;
  assert.ok(Math.abs(init['std']! - 0.008703882797784892) < 1e-15);
  assert.ok(Math.abs(init['out_proj']! - 0.0005356869554443541) < 1e-15);
  assert.ok(Math.abs(init['embed_scale']! - 72.6636084983398) < 1e-12); // sqrt(5280)
  assert.throws(() => huginnConfigJson({ ...TINY, nHeads: 5 }), /nEmbd 64 is not divisible by nHeads 5/);
  assert.throws(() => huginnTensorList({ ...TINY, nCore: 0 }), /nCore must be a positive integer, got 0/);
});

test('tensor list: names and shapes of the architecture doc', () => {
  const list = huginnTensorList(TINY);
  assert.equal(list.length, 3 + 9 * (1 + 2 + 1));
  const byName = new Map(list.map((e) => [e.name, e.shape]));
  assert.equal(byName.size, list.length);
  assert.deepEqual(byName.get('transformer.wte.weight'), [96, 64]);
  assert.deepEqual(byName.get('transformer.adapter.weight'), [64, 128]);
  assert.deepEqual(byName.get('transformer.core_block.1.attn.Wqkv.weight'), [192, 64]);
  assert.deepEqual(byName.get('transformer.coda.0.attn.qk_bias'), [2, 1, 4, 16]);
  assert.deepEqual(byName.get('transformer.prelude.0.mlp.fc.weight'), [256, 64]);
  assert.deepEqual(byName.get('transformer.prelude.0.mlp.proj.weight'), [64, 128]);
  assert.deepEqual(byName.get('transformer.core_block.0.norm_4.weight'), [64]);
  assert.ok(!byName.has('lm_head.weight') && !byName.has('freqs_cis'));
});

test('tensor list: names and shapes equal those of the fixture checkpoint', async (t) => {
  const byName = new Map(huginnTensorList(TINY).map((e) => [e.name, e.shape]));
  const shared = sharedDir();
  if (shared === undefined) return t.skip('shared/ not present');
  const f = await SafetensorsFile.open(join(shared, 'fixtures/huginn-tiny/model.safetensors'));
  try {
    assert.deepEqual(f.names(), [...byName.keys()].sort());
    for (const name of f.names()) assert.deepEqual(f.entry(name).shape, byName.get(name), name);
  } finally {
    await f.close();
  }
});

test('single-file F32 checkpoint: opens, matches the list, values have the intended statistics, seeded', async (t) => {
  const dir = await tempDir(t);
  const shape: SyntheticHuginnShape = { ...TINY, nEmbd: 128, intermediate: 256 };
  const { tensorBytes } = await writeSyntheticHuginnCheckpoint(join(dir, 'a'), shape, { seed: 1 });
  assert.deepEqual((await readdir(join(dir, 'a'))).sort(), ['config.json', 'model.safetensors']);
  const config = JSON.parse(await readFile(join(dir, 'a/config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(config, huginnConfigJson(shape));

  const source = await openCheckpointTensors(join(dir, 'a'));
  try {
    const list = huginnTensorList(shape);
    assert.deepEqual(source.names(), list.map((e) => e.name).sort());
    let bytes = 0;
    for (const e of list) {
      const entry = source.entry(e.name);
      assert.equal(entry.dtype, 'F32');
      assert.deepEqual(entry.shape, e.shape);
      bytes += entry.end - entry.begin;
    }
    assert.equal(bytes, tensorBytes);
    const wte = stats(await source.readFloat32('transformer.wte.weight'));
    assert.ok(Math.abs(wte.mean) < 0.002 && Math.abs(wte.std - 0.02) < 0.002, JSON.stringify(wte));
    const norm = stats(await source.readFloat32('transformer.core_block.1.norm_2.weight'));
    assert.ok(Math.abs(norm.mean - 1) < 0.03 && Math.abs(norm.std - 0.1) < 0.03, JSON.stringify(norm));
    const qk = stats(await source.readFloat32('transformer.prelude.0.attn.qk_bias'));
    assert.ok(qk.std > 0 && qk.std < 0.05, JSON.stringify(qk));
  } finally {
    await source.close();
  }

  await writeSyntheticHuginnCheckpoint(join(dir, 'b'), shape, { seed: 1 });
  await writeSyntheticHuginnCheckpoint(join(dir, 'c'), shape, { seed: 2 });
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((d) => readFile(join(dir, d, 'model.safetensors'))));
  assert.ok(a!.equals(b!), 'same seed, same bytes');
  assert.ok(!a!.equals(c!), 'different seed, different values');
});

test('sharded BF16 checkpoint: hub file names, fixture index layout, same values as F32 rounded', async (t) => {
  const dir = await tempDir(t);
  const { tensorBytes } = await writeSyntheticHuginnCheckpoint(join(dir, 'bf16'), TINY, { seed: 9, dtype: 'BF16', shards: 3 });
  await writeSyntheticHuginnCheckpoint(join(dir, 'f32'), TINY, { seed: 9 });
  const files = (await readdir(join(dir, 'bf16'))).sort();
  const shardNames = ['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors'];
  assert.deepEqual(files, ['config.json', ...shardNames, 'model.safetensors.index.json']);
  const config = JSON.parse(await readFile(join(dir, 'bf16/config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(config['torch_dtype'], 'bfloat16');

  const index = JSON.parse(await readFile(join(dir, 'bf16/model.safetensors.index.json'), 'utf8')) as {
    metadata: { total_size: number };
    weight_map: Record<string, string>;
  };
  assert.deepEqual(Object.keys(index), ['metadata', 'weight_map']);
  assert.equal(index.metadata.total_size, tensorBytes);
  assert.equal(tensorBytes, 359552); // the bf16 fixture's total_size for the same shape
  const names = Object.keys(index.weight_map);
  assert.deepEqual(names, [...names].sort(), 'weight_map in name order, like the fixture');
  assert.deepEqual([...new Set(Object.values(index.weight_map))], shardNames, 'every shard used, in order');

  const bf16 = await openCheckpointTensors(join(dir, 'bf16'));
  const f32 = await openCheckpointTensors(join(dir, 'f32'));
  try {
    assert.deepEqual(bf16.names(), f32.names());
    for (const name of bf16.names()) {
      assert.equal(bf16.entry(name).dtype, 'BF16');
      const full = await f32.readFloat32(name);
      const half = await bf16.readFloat32(name);
      for (let i = 0; i < full.length; i++) assert.equal(half[i], bf16BitsToFloat32(float32ToBf16Bits(full[i]!)), `${name}[${i}]`);
    }
  } finally {
    await bf16.close();
    await f32.close();
  }
  await assert.rejects(writeSyntheticHuginnCheckpoint(join(dir, 'x'), TINY, { seed: 1, shards: 40 }), /shards must be an integer from 1 to 39, got 40/);
});
