import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpointTensors } from '../../src/io/checkpoint.js';
import { WritableTensor, writeSafetensors } from '../../src/io/safetensors.js';

/** Locating a checkpoint in a folder and validating sharded indexes. */

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-io-checkpoint-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const vec = (...values: number[]): WritableTensor => ({ dtype: 'F32', shape: [values.length], data: values });

/** Two shards: s1 holds a and b, s2 holds c (I32). */
async function writeShards(dir: string): Promise<void> {
  await writeSafetensors(join(dir, 's1.safetensors'), { a: vec(1, 2), b: vec(3) });
  await writeSafetensors(join(dir, 's2.safetensors'), { c: { dtype: 'I32', shape: [2], data: [7, 8] } });
}

async function writeIndex(dir: string, weightMap: unknown, raw?: string): Promise<string> {
  const path = join(dir, 'model.safetensors.index.json');
  await writeFile(path, raw ?? JSON.stringify({ metadata: { total_size: 20 }, weight_map: weightMap }));
  return path;
}

async function expectError(path: string, message: string): Promise<void> {
  await assert.rejects(openCheckpointTensors(path), (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.equal(e.message, message);
    return true;
  });
}

test('a sharded checkpoint reads as one source; entries name their shard; close closes every shard', async (t) => {
  const dir = await tempDir(t);
  await writeShards(dir);
  const indexPath = await writeIndex(dir, { a: 's1.safetensors', b: 's1.safetensors', c: 's2.safetensors' });
  await writeSafetensors(join(dir, 'model.safetensors'), { other: vec(0) }); // the index takes precedence
  for (const path of [dir, indexPath]) {
    const source = await openCheckpointTensors(path);
    assert.equal(source.description, `${indexPath} (2 shards)`);
    assert.deepEqual(source.names(), ['a', 'b', 'c']);
    assert.ok(source.has('c') && !source.has('other'));
    assert.equal(source.entry('b').file, join(dir, 's1.safetensors'));
    assert.deepEqual(source.entry('c'), { name: 'c', dtype: 'I32', shape: [2], begin: 0, end: 8, file: join(dir, 's2.safetensors') });
    assert.deepEqual(await source.readFloat32('a'), new Float32Array([1, 2]));
    assert.deepEqual(await source.readInt32('c'), new Int32Array([7, 8]));
    assert.throws(() => source.entry('d'), (e: Error) => e.message === `${indexPath} (2 shards): no tensor "d" (3 tensors, e.g. "a", "b", "c")`);
    await source.close();
    await assert.rejects(source.readFloat32('a'), /closed/);
    await assert.rejects(source.readInt32('c'), /closed/);
  }
});

test('tensors left out of the index are not exposed, and unused shards are not opened', async (t) => {
  const dir = await tempDir(t);
  await writeShards(dir);
  await writeFile(join(dir, 'unused.safetensors'), 'not even a safetensors file');
  await writeIndex(dir, { a: 's1.safetensors' });
  const source = await openCheckpointTensors(dir);
  try {
    assert.deepEqual(source.names(), ['a']);
  } finally {
    await source.close();
  }
});

test('single files: model.safetensors, the only other *.safetensors (not expected.safetensors), or a file path', async (t) => {
  const dir = await tempDir(t);
  await writeSafetensors(join(dir, 'expected.safetensors'), { input_ids: { dtype: 'I32', shape: [1], data: [1] } });
  await writeSafetensors(join(dir, 'weights.safetensors'), { w: vec(5) });
  let source = await openCheckpointTensors(dir);
  assert.equal(source.description, join(dir, 'weights.safetensors'));
  assert.deepEqual(await source.readFloat32('w'), new Float32Array([5]));
  assert.equal(source.entry('w').file, join(dir, 'weights.safetensors'));
  await source.close();

  await writeSafetensors(join(dir, 'model.safetensors'), { m: vec(6) });
  source = await openCheckpointTensors(dir);
  assert.deepEqual(source.names(), ['m']);
  assert.throws(() => source.entry('w'), (e: Error) => e.message === `${join(dir, 'model.safetensors')}: no tensor "w" (1 tensors, e.g. "m")`);
  await source.close();

  source = await openCheckpointTensors(join(dir, 'expected.safetensors'));
  assert.deepEqual(await source.readInt32('input_ids'), new Int32Array([1]));
  await source.close();

  // Symlinked files count (the Hugging Face cache links snapshot files to blobs).
  const linked = join(dir, 'linked');
  await mkdir(linked);
  await symlink(join(dir, 'weights.safetensors'), join(linked, 'w.safetensors'));
  source = await openCheckpointTensors(linked);
  assert.deepEqual(await source.readFloat32('w'), new Float32Array([5]));
  await source.close();
});

test('no checkpoint, several candidates, or a missing path are reported with what was looked for', async (t) => {
  const dir = await tempDir(t);
  const lookedFor = 'model.safetensors.index.json, model.safetensors, or a single other *.safetensors file (not expected.safetensors)';
  await expectError(join(dir, 'absent'), `checkpoint ${join(dir, 'absent')} does not exist`);
  await writeSafetensors(join(dir, 'expected.safetensors'), {});
  await mkdir(join(dir, 'folder.safetensors')); // a folder, not a file: ignored
  await expectError(dir, `no checkpoint in ${dir}: looked for ${lookedFor}; found none`);
  await writeSafetensors(join(dir, 'b.safetensors'), {});
  await writeSafetensors(join(dir, 'a.safetensors'), {});
  await expectError(
    dir,
    `ambiguous checkpoint in ${dir}: looked for ${lookedFor}; found 2 files (a.safetensors, b.safetensors). Add model.safetensors.index.json or pass one file's path`,
  );
});

test('malformed indexes: bad JSON, no weight_map, bad or missing shard names, duplicates', async (t) => {
  const dir = await tempDir(t);
  await writeShards(dir);
  const indexPath = join(dir, 'model.safetensors.index.json');

  await writeIndex(dir, undefined, '{"weight_map": ');
  await assert.rejects(openCheckpointTensors(dir), (e: Error) => e.message.startsWith(`${indexPath}: not valid JSON (`));
  await writeIndex(dir, undefined, '[]');
  await expectError(dir, `${indexPath}: expected a JSON object with a "weight_map" object (tensor name -> shard file)`);
  await writeIndex(dir, ['s1.safetensors']);
  await expectError(dir, `${indexPath}: expected a JSON object with a "weight_map" object (tensor name -> shard file)`);
  await writeIndex(dir, {});
  await expectError(dir, `${indexPath}: weight_map is empty`);
  await writeIndex(dir, { a: 1 });
  await expectError(dir, `${indexPath}: tensor "a": shard must be a file name, got 1`);
  await writeIndex(dir, { a: '../s1.safetensors' });
  await expectError(dir, `${indexPath}: tensor "a": shard "../s1.safetensors" must be a plain file name in the checkpoint folder (no path separators)`);
  await writeIndex(dir, { a: 'sub\\s1.safetensors' });
  await expectError(dir, `${indexPath}: tensor "a": shard "sub\\\\s1.safetensors" must be a plain file name in the checkpoint folder (no path separators)`);
  await writeIndex(dir, { a: 's1.safetensors', c: 'model-00003-of-00003.safetensors' });
  await expectError(dir, `${indexPath}: tensor "c": shard "model-00003-of-00003.safetensors" does not exist in ${dir}`);
  await writeIndex(dir, undefined, '{"weight_map":{"a":"s1.safetensors","a":"s2.safetensors"}}');
  await expectError(dir, `${indexPath}: tensor "a" is listed twice in weight_map`);
});

test('the index must agree with the shards: listed tensors present, none stored twice', async (t) => {
  const dir = await tempDir(t);
  await writeShards(dir);
  const indexPath = join(dir, 'model.safetensors.index.json');

  await writeIndex(dir, { a: 's1.safetensors', c: 's1.safetensors', b: 's2.safetensors' });
  await expectError(dir, `${indexPath}: tensor "c" is mapped to shard "s1.safetensors", which does not hold it (it is in "s2.safetensors")`);
  await writeIndex(dir, { a: 's1.safetensors', ghost: 's2.safetensors' });
  await expectError(dir, `${indexPath}: tensor "ghost" is mapped to shard "s2.safetensors", which does not hold it`);

  await writeSafetensors(join(dir, 's3.safetensors'), { b: vec(9) });
  await writeIndex(dir, { a: 's1.safetensors', b: 's3.safetensors' });
  await expectError(dir, `${indexPath}: tensor "b" is stored in two shards, "s1.safetensors" and "s3.safetensors"`);

  // A broken shard is reported with the shard's own path.
  await writeFile(join(dir, 's4.safetensors'), new Uint8Array(4));
  await writeIndex(dir, { a: 's1.safetensors', x: 's4.safetensors' });
  await expectError(dir, `${join(dir, 's4.safetensors')}: file is 4 bytes, too short for a safetensors file (needs at least 8 bytes for the header length)`);
});
