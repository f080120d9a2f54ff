import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile, WritableTensor, encodeSafetensors, writeSafetensors } from '../../src/io/safetensors.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-io-roundtrip-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `tensors`, reopens the file and hands it to `check`, closing it afterwards. */
async function roundTrip(
  dir: string,
  tensors: Record<string, WritableTensor>,
  check: (f: SafetensorsFile) => Promise<void>,
  metadata?: Record<string, string>,
): Promise<void> {
  const path = join(dir, 'x.safetensors');
  await writeSafetensors(path, tensors, metadata);
  const f = await SafetensorsFile.open(path);
  try {
    await check(f);
  } finally {
    await f.close();
  }
}

test('F32, I32 and I64 round trip exactly, with shapes and dtypes kept', async (t) => {
  const dir = await tempDir(t);
  const f32 = new Float32Array([0, -0, 1.5, -2.25, 3.4028234663852886e38, 1e-45, Infinity, -Infinity, NaN, 0.1]);
  const i32 = new Int32Array([0, 1, -1, 2147483647, -2147483648, 42]);
  await roundTrip(
    dir,
    {
      f32: { dtype: 'F32', shape: [2, 5], data: f32 },
      f32list: { dtype: 'F32', shape: [3], data: [0.1, 2, -3] },
      i32: { dtype: 'I32', shape: [3, 2], data: i32 },
      i32list: { dtype: 'I32', shape: [2], data: [7, -7] },
      i64: { dtype: 'I64', shape: [6], data: i32 },
      i64list: { dtype: 'I64', shape: [4], data: [0, -1, 2 ** 40, -(2 ** 33) - 5] },
      i64big: { dtype: 'I64', shape: [2], data: new BigInt64Array([5n, -6n]) },
    },
    async (f) => {
      assert.deepEqual(f.names(), ['f32', 'f32list', 'i32', 'i32list', 'i64', 'i64big', 'i64list']);
      assert.deepEqual(f.entry('f32').shape, [2, 5]);
      assert.equal(f.entry('f32').dtype, 'F32');
      assert.equal(f.entry('i64').dtype, 'I64');
      assert.deepEqual(await f.readFloat32('f32'), f32);
      assert.deepEqual(await f.readFloat32('f32list'), new Float32Array([0.1, 2, -3]));
      assert.deepEqual(await f.readInt32('i32'), i32);
      assert.deepEqual(await f.readInt32('i32list'), new Int32Array([7, -7]));
      assert.deepEqual(await f.readInt32('i64'), i32);
      assert.deepEqual(await f.readInt32('i64big'), new Int32Array([5, -6]));
      assert.deepEqual(await f.readFloat32('i64list'), new Float32Array([0, -1, 2 ** 40, -(2 ** 33) - 5]));
      // The raw bytes of an I64 tensor are two's complement little-endian 64-bit words.
      const raw = await f.readRaw('i64list');
      assert.deepEqual([...new BigInt64Array(raw.buffer)], [0n, -1n, 2n ** 40n, -(2n ** 33n) - 5n]);
      await assert.rejects(f.readInt32('i64list'), /tensor "i64list": I64 value 1099511627776 at index 2 does not fit in int32/);
    },
  );
});

test('BF16 rounds to nearest, ties to even, and keeps inf, NaN and signed zero', async (t) => {
  const dir = await tempDir(t);
  // bf16 keeps 7 mantissa bits: the spacing just above 1 is 2^-7.
  const input = [
    1, // exact
    1 + 2 ** -8, // halfway between 1 (even) and 1 + 2^-7 (odd): to 1
    1 + 3 * 2 ** -8, // halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): to 1 + 2^-6
    1 + 2 ** -8 + 2 ** -20, // just above halfway: up
    -3.140625, // exact in bf16
    3.3895313892515355e38, // largest finite bf16
    3.4028234663852886e38, // largest float32: rounds up past the largest bf16, to infinity
    Infinity,
    -Infinity,
    NaN,
    -0,
  ];
  const expected = [1, 1, 1 + 2 ** -6, 1 + 2 ** -7, -3.140625, 3.3895313892515355e38, Infinity, Infinity, -Infinity, NaN, -0];
  await roundTrip(dir, { b: { dtype: 'BF16', shape: [input.length], data: input } }, async (f) => {
    assert.equal(f.entry('b').end - f.entry('b').begin, 2 * input.length);
    assert.deepEqual([...(await f.readFloat32('b'))], expected);
  });
});

test('F16 rounds to nearest, ties to even, including subnormals and overflow to infinity', async (t) => {
  const dir = await tempDir(t);
  // f16 keeps 10 mantissa bits; largest finite 65504; smallest subnormal 2^-24.
  const cases: [number, number][] = [
    [1, 1],
    [1 + 2 ** -11, 1], // tie, to even (1)
    [1 + 3 * 2 ** -11, 1 + 2 ** -9], // tie, to even (mantissa 2)
    [0.1, 0.0999755859375], // nearest f16 to 0.1
    [65504, 65504],
    [65519, 65504], // below the halfway point 65520
    [65520, Infinity], // halfway to 65536 (would-be next value): ties to even = overflow
    [-1e6, -Infinity],
    [2 ** -24, 2 ** -24], // smallest subnormal
    [2 ** -25, 0], // exactly half of it: tie to even (0)
    [1.5 * 2 ** -25, 2 ** -24], // above half: up
    [3 * 2 ** -25, 2 * 2 ** -24], // 1.5 subnormal steps: tie, to even (2 steps)
    [2 ** -14 - 2 ** -25, 2 ** -14], // halfway between the largest subnormal (odd) and the smallest normal (even)
    [6.097555160522461e-5, 6.097555160522461e-5], // largest subnormal, 1023 * 2^-24
    [-0, -0],
    [1e-10, 0],
    [Infinity, Infinity],
    [NaN, NaN],
  ];
  await roundTrip(dir, { h: { dtype: 'F16', shape: [cases.length], data: new Float32Array(cases.map((c) => c[0])) } }, async (f) => {
    const got = await f.readFloat32('h');
    cases.forEach(([input, want], i) => assert.ok(Object.is(got[i], want), `F16(${input}) = ${got[i]}, expected ${want}`));
  });
});

test('metadata round trips, including unusual keys; absent metadata reads as {}', async (t) => {
  const dir = await tempDir(t);
  const metadata = { format: 'pt', 'ünïcode ✓': 'välue\n"quoted"', '0': 'integer-like key', empty: '' };
  await roundTrip(dir, { a: { dtype: 'F32', shape: [1], data: [1] } }, async (f) => assert.deepEqual({ ...f.metadata }, metadata), metadata);
  await roundTrip(dir, { a: { dtype: 'F32', shape: [1], data: [1] } }, async (f) => assert.deepEqual({ ...f.metadata }, {}));
  await roundTrip(dir, {}, async (f) => {
    assert.deepEqual(f.names(), []);
    assert.deepEqual({ ...f.metadata }, { only: 'metadata' });
  }, { only: 'metadata' });
});

test('empty tensors (a zero in the shape) and scalars (shape [])', async (t) => {
  const dir = await tempDir(t);
  await roundTrip(
    dir,
    {
      empty: { dtype: 'F32', shape: [0], data: [] },
      empty2d: { dtype: 'BF16', shape: [3, 0], data: new Float32Array(0) },
      emptyI64: { dtype: 'I64', shape: [0, 5], data: [] },
      scalar: { dtype: 'F32', shape: [], data: [2.5] },
      scalarI32: { dtype: 'I32', shape: [], data: new Int32Array([-9]) },
    },
    async (f) => {
      assert.deepEqual(f.entry('empty2d').shape, [3, 0]);
      assert.equal(f.entry('empty2d').begin, f.entry('empty2d').end);
      assert.deepEqual(await f.readFloat32('empty'), new Float32Array(0));
      assert.deepEqual(await f.readFloat32('empty2d'), new Float32Array(0));
      assert.deepEqual(await f.readInt32('emptyI64'), new Int32Array(0));
      assert.deepEqual(f.entry('scalar').shape, []);
      assert.deepEqual(await f.readFloat32('scalar'), new Float32Array([2.5]));
      assert.deepEqual(await f.readInt32('scalarI32'), new Int32Array([-9]));
    },
  );
});

test('layout: header padded with spaces to 8 bytes, tensors in name order, file = encodeSafetensors bytes', async (t) => {
  const dir = await tempDir(t);
  const tensors: Record<string, WritableTensor> = {
    zeta: { dtype: 'F32', shape: [2], data: [1, 2] },
    '10': { dtype: 'I32', shape: [1], data: [10] },
    alpha: { dtype: 'BF16', shape: [3], data: [1, 2, 3] },
    '9': { dtype: 'F16', shape: [1], data: [9] },
  };
  const bytes = encodeSafetensors(tensors, { k: 'v' });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.match(headerText, /^\{"__metadata__":\{"k":"v"\},"10":.*\} *$/);
  const header = JSON.parse(headerText) as Record<string, { data_offsets: [number, number] }>;
  const names = ['10', '9', 'alpha', 'zeta']; // code-unit order, not numeric
  let offset = 0;
  for (const name of names) {
    assert.equal(header[name]!.data_offsets[0], offset, name);
    offset = header[name]!.data_offsets[1];
  }
  assert.equal(8 + n + offset, bytes.length);

  const path = join(dir, 'same.safetensors');
  await writeSafetensors(path, tensors, { k: 'v' });
  assert.deepEqual(new Uint8Array(await readFile(path)), bytes);
});

test('typed-array views with an offset, tensors larger than one encoding chunk, concurrent reads', async (t) => {
  const dir = await tempDir(t);
  const backing = new Float32Array(10);
  backing.forEach((_, i) => (backing[i] = i));
  const view = backing.subarray(3, 7);
  const big = new Float32Array(1_500_000);
  for (let i = 0; i < big.length; i++) big[i] = ((i % 256) - 128) * 0.5; // exact in bf16 and f16 (8 significant bits)
  await roundTrip(
    dir,
    {
      view: { dtype: 'F32', shape: [4], data: view },
      bigBf16: { dtype: 'BF16', shape: [1500, 1000], data: big },
      bigF16: { dtype: 'F16', shape: [1_500_000], data: big },
      bigF32: { dtype: 'F32', shape: [1_500_000], data: big },
    },
    async (f) => {
      assert.deepEqual(await f.readFloat32('view'), new Float32Array([3, 4, 5, 6]));
      const [a, b, c] = await Promise.all([f.readFloat32('bigBf16'), f.readFloat32('bigF16'), f.readFloat32('bigF32')]);
      assert.deepEqual(a, big);
      assert.deepEqual(b, big);
      assert.deepEqual(c, big);
      const raw = await f.readRaw('view');
      assert.equal(raw.byteOffset, 0);
      assert.equal(raw.buffer.byteLength, 16); // a buffer of its own, not a slice of something larger
    },
  );
});

test('a closed file refuses reads with a clear error; close is idempotent', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'c.safetensors');
  await writeSafetensors(path, { a: { dtype: 'F32', shape: [1], data: [1] } });
  const f = await SafetensorsFile.open(path);
  await f.close();
  await f.close();
  await assert.rejects(f.readFloat32('a'), (e: Error) => e.message.includes(path) && /closed/.test(e.message));
  assert.deepEqual(f.names(), ['a']); // the header stays available
});
