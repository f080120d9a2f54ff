import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile, writeSafetensors } from '../../src/io/safetensors.js';
import { parseSafetensorsHeader, readHeaderLength } from '../../src/io/safetensors-header.js';
import { rawSafetensors } from '../helpers/raw-safetensors.js';

/** Every kind of malformed input, with the exact error each one must produce. */

const FILE = 'bad.safetensors';

/** Parses `header` as if it were followed by `dataBytes` bytes of data. */
function parse(header: string | object, dataBytes = 0): ReturnType<typeof parseSafetensorsHeader> {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const bytes = new TextEncoder().encode(text);
  return parseSafetensorsHeader(bytes, 8 + bytes.length + dataBytes, FILE);
}

function throwsExactly(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, 'an Error');
    assert.equal(e.message, `${FILE}: ${message}`);
    return true;
  });
}

function lengthBytes(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

test('header length: zero, one, past the file, over 100 MB, huge u64, short file', () => {
  throwsExactly(() => readHeaderLength(lengthBytes(0n), 100, FILE), 'header length is 0; expected at least 2 bytes (the JSON header "{}")');
  throwsExactly(() => readHeaderLength(lengthBytes(1n), 100, FILE), 'header length is 1; expected at least 2 bytes (the JSON header "{}")');
  throwsExactly(() => readHeaderLength(lengthBytes(93n), 100, FILE), 'header length 93 runs past the end of the file (8 + 93 > 100 bytes; truncated file?)');
  assert.equal(readHeaderLength(lengthBytes(92n), 100, FILE), 92);
  throwsExactly(
    () => readHeaderLength(lengthBytes(100_000_001n), 200_000_000, FILE),
    'header length 100000001 exceeds the limit of 100000000 bytes (corrupt file or not a safetensors file?)',
  );
  assert.equal(readHeaderLength(lengthBytes(100_000_000n), 200_000_000, FILE), 100_000_000);
  throwsExactly(
    () => readHeaderLength(lengthBytes(2n ** 64n - 1n), 100, FILE),
    'header length 18446744073709551615 exceeds the limit of 100000000 bytes (corrupt file or not a safetensors file?)',
  );
  // 2^53 + 1 would round to 2^53 as a double: the BigInt read reports it exactly.
  assert.throws(() => readHeaderLength(lengthBytes(2n ** 53n + 1n), 100, FILE), /header length 9007199254740993 exceeds/);
  throwsExactly(() => readHeaderLength(new Uint8Array(5), 5, FILE), 'file is 5 bytes, too short for a safetensors file (needs at least 8 bytes for the header length)');
  // The 8 bytes may sit at an offset inside a larger buffer.
  const padded = new Uint8Array(11);
  padded.set(lengthBytes(2n), 3);
  assert.equal(readHeaderLength(padded.subarray(3), 10, FILE), 2);
});

test('header text: not UTF-8, not JSON, not an object, leading space; trailing spaces are fine', () => {
  throwsExactly(() => parseSafetensorsHeader(new Uint8Array([0x7b, 0xff, 0x7d]), 11, FILE), 'header is not valid UTF-8');
  assert.throws(() => parse('{"a": '), (e: Error) => e.message.startsWith(`${FILE}: header is not valid JSON (`));
  assert.throws(() => parse('{} x'), /^Error: bad\.safetensors: header is not valid JSON/);
  throwsExactly(() => parse('[]'), 'header must be a JSON object starting with "{", got byte 0x5b');
  throwsExactly(() => parse('"x"'), 'header must be a JSON object starting with "{", got byte 0x22');
  throwsExactly(() => parse(' {}'), 'header must be a JSON object starting with "{", got byte 0x20');
  throwsExactly(() => parseSafetensorsHeader(new Uint8Array(0), 8, FILE), 'header must be a JSON object starting with "{", got nothing');
  const text = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}      ';
  const header = parse(text, 4);
  assert.deepEqual(header.tensors.get('a'), { name: 'a', dtype: 'F32', shape: [1], begin: 0, end: 4 });
  assert.equal(header.dataStart, 8 + text.length);
  assert.equal(parse('{}').tensors.size, 0);
});

test('duplicate keys are refused rather than silently dropping one entry', () => {
  const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  throwsExactly(() => parse(`{"a":${entry},"a":${entry}}`, 4), 'key "a" appears twice in the header');
  throwsExactly(() => parse('{"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}', 4), 'key "dtype" appears twice in tensor "a"');
  throwsExactly(() => parse('{"__metadata__":{"k":"1","k":"2"}}'), 'key "k" appears twice in __metadata__');
  // Escapes are decoded before comparing: "\u0061" is "a".
  throwsExactly(() => parse(`{"a":${entry},"\\u0061":${entry}}`, 4), 'key "a" appears twice in the header');
  // Equal strings in values, or keys in separate objects, are not duplicates.
  assert.equal(parse(`{"a":${entry},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8).tensors.size, 2);
});

test('metadata must be an object of strings', () => {
  throwsExactly(() => parse({ __metadata__: [1] }), '__metadata__ must be an object of string values, got [1]');
  throwsExactly(() => parse({ __metadata__: 'x' }), '__metadata__ must be an object of string values, got "x"');
  throwsExactly(() => parse({ __metadata__: null }), '__metadata__ must be an object of string values, got null');
  throwsExactly(() => parse({ __metadata__: { steps: 6 } }), '__metadata__ "steps" must be a string, got 6');
  throwsExactly(() => parse({ __metadata__: { nested: { a: 'b' } } }), '__metadata__ "nested" must be a string, got an object');
  // A "__proto__" key is just a key.
  const meta = parse('{"__metadata__":{"__proto__":"p","x":"y"}}').metadata;
  assert.equal(Object.getPrototypeOf(meta), Object.prototype);
  assert.deepEqual(Object.entries(meta), [['__proto__', 'p'], ['x', 'y']]);
});

test('tensor entries: wrong type, missing or extra keys, unknown dtype', () => {
  throwsExactly(() => parse({ a: null }), 'tensor "a": expected an object with dtype, shape and data_offsets, got null');
  throwsExactly(() => parse({ a: [1, 2] }), 'tensor "a": expected an object with dtype, shape and data_offsets, got [1, 2]');
  throwsExactly(() => parse({ a: { dtype: 'F32', shape: [] } }), 'tensor "a": missing "data_offsets"');
  throwsExactly(
    () => parse({ a: { dtype: 'F32', shape: [], data_offsets: [0, 4], extra: 1 } }, 4),
    'tensor "a": unexpected key "extra" (expected exactly dtype, shape, data_offsets)',
  );
  throwsExactly(
    () => parse({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1),
    'tensor "a": unsupported dtype "F8_E4M3" (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)',
  );
  throwsExactly(() => parse({ a: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }, 4), /* case matters */
    'tensor "a": unsupported dtype "f32" (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)');
  throwsExactly(() => parse({ a: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, 4), 'tensor "a": dtype must be a string, got 4');
  throwsExactly(() => parse({ __proto__x: 1 }), 'tensor "__proto__x": expected an object with dtype, shape and data_offsets, got 1');
});

test('shape must be an array of non-negative integers', () => {
  const bad: [unknown, string][] = [
    [[2, -1], '[2, -1]'],
    [[1.5], '[1.5]'],
    [['2'], '["2"]'],
    [[2 ** 53], '[9007199254740992]'],
    [5, '5'],
    [[[2]], '[[…]]'],
    [[null], '[null]'],
    [[1, 2, 3, 4, 5, 6, -7, 8], '[1, 2, 3, 4, 5, 6, …]'],
  ];
  for (const [shape, shown] of bad) {
    throwsExactly(() => parse({ t: { dtype: 'F32', shape, data_offsets: [0, 4] } }, 4), `tensor "t": shape must be an array of non-negative integers, got ${shown}`);
  }
  throwsExactly(() => parse('{"t":{"dtype":"F32","shape":[1e999],"data_offsets":[0,4]}}', 4), 'tensor "t": shape must be an array of non-negative integers, got [Infinity]');
});

test('data_offsets: malformed, reversed, out of the file, size mismatch, shape larger than the file', () => {
  const t = (shape: unknown, offsets: unknown, data = 64, dtype = 'F32'): unknown => parse({ t: { dtype, shape, data_offsets: offsets } }, data);
  throwsExactly(() => t([1], [0]), 'tensor "t": data_offsets must be [begin, end] with non-negative integers, got [0]');
  throwsExactly(() => t([1], [0, 4, 8]), 'tensor "t": data_offsets must be [begin, end] with non-negative integers, got [0, 4, 8]');
  throwsExactly(() => t([1], [-4, 0]), 'tensor "t": data_offsets must be [begin, end] with non-negative integers, got [-4, 0]');
  throwsExactly(() => t([1], [0, 4.5]), 'tensor "t": data_offsets must be [begin, end] with non-negative integers, got [0, 4.5]');
  throwsExactly(() => t([1], { begin: 0 }), 'tensor "t": data_offsets must be [begin, end] with non-negative integers, got an object');
  throwsExactly(() => t([1], [8, 4]), 'tensor "t": data_offsets [8, 4] are reversed (begin > end)');
  throwsExactly(() => t([2, 2], [0, 12]), 'tensor "t": data_offsets [0, 12] hold 12 bytes but shape [2, 2] of F32 needs 16');
  throwsExactly(() => t([3], [0, 3], 64, 'BF16'), 'tensor "t": data_offsets [0, 3] hold 3 bytes but shape [3] of BF16 needs 6');
  throwsExactly(() => t([0, 7], [0, 4]), 'tensor "t": data_offsets [0, 4] hold 4 bytes but shape [0, 7] of F32 needs 0');
  throwsExactly(() => t([16], [8, 72]), 'tensor "t": data_offsets [8, 72] end past the end of the file (the data section holds 64 bytes; truncated file?)');
  throwsExactly(() => t([1], [2 ** 50, 2 ** 50 + 4]), `tensor "t": data_offsets [${2 ** 50}, ${2 ** 50 + 4}] end past the end of the file (the data section holds 64 bytes; truncated file?)`);
  // Product of the shape is far beyond 2^53: refused without overflow.
  const fileSize = 8 + JSON.stringify({ t: { dtype: 'F32', shape: [2 ** 40, 2 ** 40, 2 ** 40], data_offsets: [0, 0] } }).length + 64;
  throwsExactly(() => t([2 ** 40, 2 ** 40, 2 ** 40], [0, 0]), `tensor "t": shape [${2 ** 40}, ${2 ** 40}, ${2 ** 40}] of F32 needs more bytes than the whole file holds (${fileSize})`);
  // A zero anywhere makes the tensor empty, whatever the other dimensions.
  assert.equal(parse({ t: { dtype: 'F32', shape: [2 ** 40, 0, 2 ** 40], data_offsets: [64, 64] } }, 64).tensors.get('t')!.end, 64);
});

test('overlapping tensors are refused; holes and shared empty offsets are not', () => {
  const entry = (b: number, e: number, shape = [(e - b) / 4]): object => ({ dtype: 'F32', shape, data_offsets: [b, e] });
  throwsExactly(() => parse({ a: entry(0, 16), b: entry(8, 24) }, 32), 'tensors "a" [0, 16] and "b" [8, 24] overlap');
  throwsExactly(() => parse({ b: entry(8, 24), a: entry(0, 16) }, 32), 'tensors "a" [0, 16] and "b" [8, 24] overlap');
  throwsExactly(() => parse({ a: entry(0, 16), same: entry(0, 16) }, 32), 'tensors "a" [0, 16] and "same" [0, 16] overlap');
  throwsExactly(() => parse({ outer: entry(0, 32), inner: entry(8, 12) }, 32), 'tensors "outer" [0, 32] and "inner" [8, 12] overlap');
  // A hole between tensors (allowed here, unlike the reference implementation) and empty tensors
  // anywhere (they occupy no bytes).
  const ok = parse({ a: entry(0, 8), b: entry(16, 24), e1: entry(4, 4, [0]), e2: entry(4, 4, [0]) }, 32);
  assert.equal(ok.tensors.size, 4);
});

test('missing tensor lookups name the file and suggest similar names', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lt-io-malformed-'));
  try {
    const path = join(dir, 'm.safetensors');
    const names = ['transformer.core_block.0.norm_1.weight', 'transformer.core_block.1.norm_1.weight', 'transformer.wte.weight', 'zzz'];
    await writeSafetensors(path, Object.fromEntries(names.map((n) => [n, { dtype: 'F32', shape: [1], data: [1] }])));
    const f = await SafetensorsFile.open(path);
    try {
      assert.equal(f.has('transformer.core_blocks.0.norm_1.weight'), false);
      assert.throws(
        () => f.entry('transformer.core_blocks.0.norm_1.weight'),
        (e: Error) =>
          e.message ===
          `${path}: no tensor "transformer.core_blocks.0.norm_1.weight" (4 tensors, e.g. "transformer.core_block.0.norm_1.weight", "transformer.core_block.1.norm_1.weight", "transformer.wte.weight", "zzz")`,
      );
      await assert.rejects(f.readFloat32('nope'), (e: Error) => e.message.startsWith(`${path}: no tensor "nope" (4 tensors, e.g. `));
    } finally {
      await f.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('files: too short, header past the end, data cut off, directory, missing file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lt-io-malformed-'));
  try {
    const write = async (name: string, bytes: Uint8Array): Promise<string> => {
      const path = join(dir, name);
      await writeFile(path, bytes);
      return path;
    };
    const expectOpen = async (path: string, message: string): Promise<void> => {
      await assert.rejects(SafetensorsFile.open(path), (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.equal(e.message, `${path}: ${message}`);
        return true;
      });
    };
    await expectOpen(await write('empty.safetensors', new Uint8Array(0)), 'file is 0 bytes, too short for a safetensors file (needs at least 8 bytes for the header length)');
    await expectOpen(await write('short.safetensors', new Uint8Array(7)), 'file is 7 bytes, too short for a safetensors file (needs at least 8 bytes for the header length)');
    await expectOpen(await write('zero.safetensors', new Uint8Array(8)), 'header length is 0; expected at least 2 bytes (the JSON header "{}")');
    const headerCut = rawSafetensors('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4).subarray(0, 30);
    await expectOpen(await write('header-cut.safetensors', headerCut), 'header length 54 runs past the end of the file (8 + 54 > 30 bytes; truncated file?)');
    const dataCut = rawSafetensors('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', 16).subarray(0, 8 + 55 + 10);
    await expectOpen(await write('data-cut.safetensors', dataCut), 'tensor "a": data_offsets [0, 16] end past the end of the file (the data section holds 10 bytes; truncated file?)');
    await expectOpen(await write('lying-length.safetensors', rawSafetensors('{}', 0, { lengthField: 1n << 62n })),
      'header length 4611686018427387904 exceeds the limit of 100000000 bytes (corrupt file or not a safetensors file?)');
    await expectOpen(dir, 'not a regular file');
    await assert.rejects(SafetensorsFile.open(join(dir, 'absent.safetensors')), (e: Error) => e.message.includes(join(dir, 'absent.safetensors')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a file truncated after opening reports the short read instead of returning garbage', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lt-io-malformed-'));
  try {
    const path = join(dir, 'shrinks.safetensors');
    await writeSafetensors(path, { a: { dtype: 'F32', shape: [1000], data: new Float32Array(1000) } });
    const f = await SafetensorsFile.open(path);
    try {
      await truncate(path, f.header.dataStart + 100);
      await assert.rejects(f.readFloat32('a'), (e: Error) =>
        e.message === `${path}: file ended early while reading tensor "a": got 100 of 4000 bytes at offset ${f.header.dataStart} (truncated file?)`);
    } finally {
      await f.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
