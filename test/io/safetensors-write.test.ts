import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile, WritableData, encodeSafetensors, writeSafetensors, writeSafetensorsStreaming } from '../../src/io/safetensors.js';

/** The writers: validation before anything is written, atomic replacement, streaming order. */

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-io-write-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('invalid data is refused with a message naming the file and tensor; the old file stays, no temp file is left', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'keep.safetensors');
  await writeFile(path, 'previous contents');
  const bad: [Parameters<typeof writeSafetensors>[1], string][] = [
    [{ a: { dtype: 'F32', shape: [2, 3], data: [1, 2, 3, 4, 5] } }, 'tensor "a": shape [2, 3] needs 6 values but data has 5'],
    [{ a: { dtype: 'I32', shape: [2], data: [1, 2.5] } }, 'tensor "a": value 2.5 at index 1 is not an integer in the int32 range'],
    [{ a: { dtype: 'I32', shape: [1], data: [2 ** 31] } }, 'tensor "a": value 2147483648 at index 0 is not an integer in the int32 range'],
    [{ a: { dtype: 'I32', shape: [1], data: new BigInt64Array([2n ** 40n]) } }, 'tensor "a": value 1099511627776 at index 0 is not an integer in the int32 range'],
    [{ a: { dtype: 'I64', shape: [1], data: [2 ** 60] } }, 'tensor "a": value 1152921504606847000 at index 0 is not a safe integer (|x| < 2^53) for I64'],
    [{ a: { dtype: 'F16', shape: [1], data: new BigInt64Array(1) } }, 'tensor "a": F16 data cannot be a BigInt64Array'],
    [{ a: { dtype: 'F32', shape: [1], data: ['1'] as unknown as number[] } }, 'tensor "a": value "1" at index 0 is not a number'],
    [{ a: { dtype: 'F32', shape: [1], data: new Float64Array(1) as unknown as Float32Array } }, 'tensor "a": data must be a Float32Array, Int32Array, BigInt64Array or number[], got Float64Array'],
    [{ a: { dtype: 'F8' as 'F32', shape: [1], data: [1] } }, 'tensor "a": cannot write dtype "F8" (expected one of F32, F16, BF16, I32, I64)'],
    [{ a: { dtype: 'F32', shape: [-1], data: [] } }, 'tensor "a": shape must be an array of non-negative integers, got [-1]'],
    [{ __metadata__: { dtype: 'F32', shape: [1], data: [1] } }, '__metadata__ is reserved and cannot name a tensor'],
  ];
  for (const [tensors, message] of bad) {
    await assert.rejects(writeSafetensors(path, tensors), (e: Error) => {
      assert.equal(e.message, `${path}: ${message}`);
      return true;
    });
    assert.throws(() => encodeSafetensors(tensors), (e: Error) => e.message === `encodeSafetensors: ${message}`);
  }
  await assert.rejects(writeSafetensors(path, {}, { n: 5 as unknown as string }), (e: Error) => e.message === `${path}: metadata "n" must be a string, got number`);
  assert.equal(await readFile(path, 'utf8'), 'previous contents');
  assert.deepEqual(await readdir(dir), ['keep.safetensors']);
});

test('a successful write replaces the old file atomically and leaves no temp file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'model.safetensors');
  await writeFile(path, 'old');
  await writeSafetensors(path, { w: { dtype: 'BF16', shape: [2], data: [1, -1] } });
  assert.deepEqual(await readdir(dir), ['model.safetensors']);
  const f = await SafetensorsFile.open(path);
  try {
    assert.deepEqual(await f.readFloat32('w'), new Float32Array([1, -1]));
  } finally {
    await f.close();
  }
});

test('streaming writer asks for tensors one at a time in name order and validates each', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'stream.safetensors');
  const entries = [
    { name: 'c', dtype: 'F32' as const, shape: [3] },
    { name: 'a', dtype: 'BF16' as const, shape: [2, 2] },
    { name: 'b', dtype: 'I64' as const, shape: [] },
  ];
  const asked: string[] = [];
  let live = 0;
  let maxLive = 0;
  await writeSafetensorsStreaming(
    path,
    entries,
    async (name): Promise<WritableData> => {
      asked.push(name);
      live++;
      maxLive = Math.max(maxLive, live);
      await new Promise((r) => setImmediate(r));
      live--;
      const count = entries.find((e) => e.name === name)!.shape.reduce((x, y) => x * y, 1);
      return name === 'b' ? [123] : new Float32Array(count).fill(name === 'a' ? 0.5 : 2);
    },
    { source: 'stream' },
  );
  assert.deepEqual(asked, ['a', 'b', 'c']);
  assert.equal(maxLive, 1);
  const f = await SafetensorsFile.open(path);
  try {
    assert.deepEqual(f.names(), ['a', 'b', 'c']);
    assert.deepEqual(await f.readFloat32('a'), new Float32Array([0.5, 0.5, 0.5, 0.5]));
    assert.deepEqual(await f.readInt32('b'), new Int32Array([123]));
    assert.deepEqual(await f.readFloat32('c'), new Float32Array([2, 2, 2]));
    assert.equal(f.metadata['source'], 'stream');
  } finally {
    await f.close();
  }

  // Bad data mid-stream, or a throwing fill, aborts the write and keeps the previous file.
  const before = await readFile(path);
  await assert.rejects(
    writeSafetensorsStreaming(path, entries, (name) => (name === 'b' ? [1, 2] : new Float32Array(name === 'a' ? 4 : 3))),
    (e: Error) => e.message === `${path}: tensor "b": shape [] needs 1 values but data has 2`,
  );
  await assert.rejects(
    writeSafetensorsStreaming(path, entries, () => {
      throw new Error('generator failed');
    }),
    /generator failed/,
  );
  assert.deepEqual(await readFile(path), before);
  assert.deepEqual(await readdir(dir), ['stream.safetensors']);
  await assert.rejects(writeSafetensorsStreaming(path, [entries[0]!, entries[0]!], () => []), (e: Error) => e.message === `${path}: tensor "c" is listed twice`);
});
