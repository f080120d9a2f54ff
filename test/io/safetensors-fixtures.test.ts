import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { openCheckpointTensors } from '../../src/io/checkpoint.js';
import { sharedDir } from '../helpers/shared.js';
import { huginnTensorList } from '../helpers/synthetic-checkpoint.js';

/** The parity fixtures in shared/: real files written by the reference (Python) implementation. */

const TINY_SHAPE = { nEmbd: 64, nHeads: 4, nPrelude: 1, nCore: 2, nCoda: 1, intermediate: 128, vocab: 96 };

function fixture(name: string): string | undefined {
  const shared = sharedDir();
  return shared === undefined ? undefined : join(shared, 'fixtures', name);
}

async function checkAllFinite(source: { names(): string[]; readFloat32(n: string): Promise<Float32Array> }): Promise<number> {
  let count = 0;
  for (const name of source.names()) {
    const values = await source.readFloat32(name);
    for (let i = 0; i < values.length; i++) assert.ok(Number.isFinite(values[i]), `${name}[${i}] = ${values[i]}`);
    count += values.length;
  }
  return count;
}

for (const folder of ['huginn-tiny', 'huginn-tiny-bf16-sharded']) {
  test(`${folder}: weights open, hold the expected Huginn tensors, and are finite`, async (t) => {
    const dir = fixture(folder);
    if (dir === undefined) return t.skip('shared/ not present');
    const source = await openCheckpointTensors(dir);
    try {
      const expected = huginnTensorList(TINY_SHAPE);
      assert.deepEqual(source.names(), expected.map((e) => e.name).sort());
      for (const e of expected) assert.deepEqual(source.entry(e.name).shape, e.shape, e.name);
      const dtype = folder === 'huginn-tiny' ? 'F32' : 'BF16';
      for (const name of source.names()) assert.equal(source.entry(name).dtype, dtype);
      const elements = await checkAllFinite(source);
      assert.equal(elements * (dtype === 'F32' ? 4 : 2), folder === 'huginn-tiny' ? 719104 : 359552);
      // Norm weights are randomised around 1 in the fixtures, so a mix-up with a matrix shows.
      const norm = await source.readFloat32('transformer.ln_f.weight');
      const mean = norm.reduce((a, b) => a + b, 0) / norm.length;
      assert.ok(Math.abs(mean - 1) < 0.2, `ln_f mean ${mean}`);
    } finally {
      await source.close();
    }
  });

  test(`${folder}: expected.safetensors holds int32 input_ids and float32 activations`, async (t) => {
    const dir = fixture(folder);
    if (dir === undefined) return t.skip('shared/ not present');
    const f = await SafetensorsFile.open(join(dir, 'expected.safetensors'));
    try {
      const ids = f.entry('input_ids');
      assert.equal(ids.dtype, 'I32');
      assert.equal(ids.shape.length, 2);
      const values = await f.readInt32('input_ids');
      assert.equal(values.length, ids.shape[0]! * ids.shape[1]!);
      for (const v of values) assert.ok(v >= 0 && v < 96, `token id ${v}`);
      assert.equal(f.entry('gen_tokens').dtype, 'I32');
      for (const key of ['steps', 'gen_steps', 'gen_new']) assert.match(f.metadata[key] ?? '', /^\d+$/, key);
      const steps = Number(f.metadata['steps']);
      assert.deepEqual(f.entry('states').shape, [ids.shape[0], steps, ids.shape[1], 64]);
      for (const name of f.names().filter((n) => f.entry(n).dtype === 'F32')) {
        for (const v of await f.readFloat32(name)) assert.ok(Number.isFinite(v), name);
      }
    } finally {
      await f.close();
    }
  });
}

test('huginn-tiny-bf16-sharded: names and shards match the index file', async (t) => {
  const dir = fixture('huginn-tiny-bf16-sharded');
  if (dir === undefined) return t.skip('shared/ not present');
  const index = JSON.parse(await readFile(join(dir, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
  const source = await openCheckpointTensors(dir);
  try {
    assert.deepEqual(source.names(), Object.keys(index.weight_map).sort());
    for (const [name, shard] of Object.entries(index.weight_map)) assert.equal(source.entry(name).file, join(dir, shard));
    assert.match(source.description, /model\.safetensors\.index\.json \(2 shards\)$/);
  } finally {
    await source.close();
  }
});

test('huginn-tiny: float32 values match an independent decoding of the file bytes', async (t) => {
  const dir = fixture('huginn-tiny');
  if (dir === undefined) return t.skip('shared/ not present');
  // Decode one tensor by hand from the whole (small) file, independently of the reader.
  const bytes = await readFile(join(dir, 'model.safetensors'));
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { data_offsets: [number, number] }>;
  const [begin, end] = header['transformer.adapter.weight']!.data_offsets;
  const expected = new Float32Array((end - begin) / 4);
  for (let i = 0; i < expected.length; i++) expected[i] = bytes.readFloatLE(8 + n + begin + 4 * i);
  const f = await SafetensorsFile.open(join(dir, 'model.safetensors'));
  try {
    assert.deepEqual(await f.readFloat32('transformer.adapter.weight'), expected);
    assert.deepEqual({ ...f.metadata }, { format: 'pt' });
  } finally {
    await f.close();
  }
});
