import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile, bf16BitsToFloat32, f16BitsToFloat32, float32ToBf16Bits, float32ToF16Bits } from '../../src/io/safetensors.js';
import { leBytes, rawSafetensors } from '../helpers/raw-safetensors.js';

/** Decoding every stored dtype, from files built byte by byte (not by our own writer). */

interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** Lays out `tensors` after a header padded by `pad` spaces (so the data section can be unaligned). */
async function writeRaw(dir: string, tensors: Record<string, RawTensor>, pad = 0): Promise<string> {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    chunks.push(t.bytes);
    offset += t.bytes.length;
  }
  const data = new Uint8Array(offset);
  let pos = 0;
  for (const c of chunks) {
    data.set(c, pos);
    pos += c.length;
  }
  const path = join(dir, `raw-${pad}.safetensors`);
  await writeFile(path, rawSafetensors(JSON.stringify(header) + ' '.repeat(pad), data));
  return path;
}

async function withRaw(tensors: Record<string, RawTensor>, pad: number, check: (f: SafetensorsFile) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-io-dtypes-'));
  try {
    const f = await SafetensorsFile.open(await writeRaw(dir, tensors, pad));
    try {
      await check(f);
    } finally {
      await f.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Hand-computed IEEE half-precision values (sign | 5-bit exponent, bias 15 | 10-bit mantissa).
const F16_CASES: [number, number][] = [
  [0x0000, 0],
  [0x8000, -0],
  [0x3c00, 1],
  [0xc000, -2],
  [0x3555, 0.333251953125], // 0x155 = 341: (1 + 341/1024) / 4
  [0x7bff, 65504], // largest finite: (2 - 2^-10) * 2^15
  [0x0400, 2 ** -14], // smallest normal
  [0x0001, 2 ** -24], // smallest subnormal
  [0x0200, 2 ** -15], // subnormal 512 * 2^-24
  [0x03ff, 1023 * 2 ** -24], // largest subnormal
  [0x8001, -(2 ** -24)],
  [0x7c00, Infinity],
  [0xfc00, -Infinity],
];

test('F16 bits decode to the hand-computed values, including subnormals, infinities and NaN', async () => {
  for (const [bits, value] of F16_CASES) {
    assert.ok(Object.is(f16BitsToFloat32(bits), value), `0x${bits.toString(16)} -> ${f16BitsToFloat32(bits)}, expected ${value}`);
    assert.equal(float32ToF16Bits(value), bits, `encode ${value}`);
  }
  for (const nan of [0x7e00, 0x7c01, 0xfe00, 0x7fff]) assert.ok(Number.isNaN(f16BitsToFloat32(nan)), `0x${nan.toString(16)} is NaN`);
  assert.equal(float32ToF16Bits(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(float32ToF16Bits(NaN) & 0x3ff, 0);

  const bits = new Uint16Array([...F16_CASES.map((c) => c[0]), 0x7e00]);
  for (const pad of [0, 3]) {
    await withRaw({ h: { dtype: 'F16', shape: [bits.length], bytes: leBytes(bits) } }, pad, async (f) => {
      const got = await f.readFloat32('h');
      F16_CASES.forEach(([b, v], i) => assert.ok(Object.is(got[i], v), `file: 0x${b.toString(16)} -> ${got[i]}`));
      assert.ok(Number.isNaN(got[bits.length - 1]));
    });
  }
});

test('BF16 bits are the high half of a float32', async () => {
  const cases: [number, number][] = [
    [0x3f80, 1],
    [0xc040, -3],
    [0x3e80, 0.25],
    [0x7f7f, 3.3895313892515355e38],
    [0x0001, 9.183549615799121e-41], // smallest subnormal bf16 = 2^-133
    [0x7f80, Infinity],
    [0xff80, -Infinity],
    [0x8000, -0],
  ];
  for (const [b, v] of cases) {
    assert.ok(Object.is(bf16BitsToFloat32(b), v), `0x${b.toString(16)}`);
    assert.equal(float32ToBf16Bits(v), b);
  }
  assert.ok(Number.isNaN(bf16BitsToFloat32(0x7fc0)));
  const bits = new Uint16Array([...cases.map((c) => c[0]), 0x7fc0]);
  await withRaw({ b: { dtype: 'BF16', shape: [bits.length], bytes: leBytes(bits) } }, 5, async (f) => {
    const got = await f.readFloat32('b');
    cases.forEach(([, v], i) => assert.ok(Object.is(got[i], v)));
    assert.ok(Number.isNaN(got[cases.length]));
  });
});

test('F64 and every integer dtype convert to float32; integer dtypes convert to int32', async () => {
  const f64 = new Float64Array([1.5, -2, 1e300, 0.1]);
  const i64 = new BigInt64Array([0n, -1n, 2147483647n, -2147483648n]);
  const u64 = new BigUint64Array([0n, 7n, 2147483647n]);
  await withRaw(
    {
      f64: { dtype: 'F64', shape: [4], bytes: leBytes(f64) },
      i8: { dtype: 'I8', shape: [3], bytes: leBytes(new Int8Array([-128, 0, 127])) },
      u8: { dtype: 'U8', shape: [3], bytes: new Uint8Array([0, 1, 255]) },
      i16: { dtype: 'I16', shape: [2], bytes: leBytes(new Int16Array([-32768, 32767])) },
      u16: { dtype: 'U16', shape: [2], bytes: leBytes(new Uint16Array([0, 65535])) },
      i32: { dtype: 'I32', shape: [2], bytes: leBytes(new Int32Array([-5, 5])) },
      u32: { dtype: 'U32', shape: [2], bytes: leBytes(new Uint32Array([1, 2147483647])) },
      i64: { dtype: 'I64', shape: [2, 2], bytes: leBytes(i64) },
      u64: { dtype: 'U64', shape: [3], bytes: leBytes(u64) },
      bool: { dtype: 'BOOL', shape: [3], bytes: new Uint8Array([0, 1, 1]) },
    },
    1,
    async (f) => {
      assert.deepEqual(await f.readFloat32('f64'), new Float32Array([1.5, -2, Infinity, 0.1]));
      assert.deepEqual(await f.readFloat32('i8'), new Float32Array([-128, 0, 127]));
      assert.deepEqual(await f.readInt32('i8'), new Int32Array([-128, 0, 127]));
      assert.deepEqual(await f.readInt32('u8'), new Int32Array([0, 1, 255]));
      assert.deepEqual(await f.readFloat32('u8'), new Float32Array([0, 1, 255]));
      assert.deepEqual(await f.readInt32('i16'), new Int32Array([-32768, 32767]));
      assert.deepEqual(await f.readInt32('u16'), new Int32Array([0, 65535]));
      assert.deepEqual(await f.readFloat32('u16'), new Float32Array([0, 65535]));
      assert.deepEqual(await f.readInt32('i32'), new Int32Array([-5, 5]));
      assert.deepEqual(await f.readFloat32('i32'), new Float32Array([-5, 5]));
      assert.deepEqual(await f.readInt32('u32'), new Int32Array([1, 2147483647]));
      assert.deepEqual(await f.readInt32('i64'), new Int32Array([0, -1, 2147483647, -2147483648]));
      assert.deepEqual(await f.readFloat32('i64'), new Float32Array([0, -1, 2147483647, -2147483648]));
      assert.deepEqual(await f.readInt32('u64'), new Int32Array([0, 7, 2147483647]));
      assert.deepEqual(await f.readFloat32('u64'), new Float32Array([0, 7, 2147483647]));
      assert.deepEqual(await f.readInt32('bool'), new Int32Array([0, 1, 1]));
      assert.deepEqual(await f.readFloat32('bool'), new Float32Array([0, 1, 1]));
      await assert.rejects(f.readInt32('f64'), /tensor "f64" is F64; reading it as int32 needs an integer dtype/);
    },
  );
});

test('integers that do not fit in int32 are refused with the tensor, index and value', async () => {
  await withRaw(
    {
      big: { dtype: 'I64', shape: [3], bytes: leBytes(new BigInt64Array([1n, -2147483649n, 0n])) },
      huge: { dtype: 'I64', shape: [1], bytes: leBytes(new BigInt64Array([-(2n ** 63n)])) },
      u32: { dtype: 'U32', shape: [2], bytes: leBytes(new Uint32Array([0, 2147483648])) },
      u64: { dtype: 'U64', shape: [1], bytes: leBytes(new BigUint64Array([2n ** 64n - 1n])) },
    },
    0,
    async (f) => {
      await assert.rejects(f.readInt32('big'), (e: Error) => e.message === `${f.path}: tensor "big": I64 value -2147483649 at index 1 does not fit in int32`);
      await assert.rejects(f.readInt32('huge'), /tensor "huge": I64 value -9223372036854775808 at index 0 does not fit in int32/);
      await assert.rejects(f.readInt32('u32'), /tensor "u32": U32 value 2147483648 at index 1 does not fit in int32/);
      await assert.rejects(f.readInt32('u64'), /tensor "u64": U64 value 18446744073709551615 at index 0 does not fit in int32/);
      // As float32 they are still readable (rounded).
      assert.deepEqual(await f.readFloat32('u64'), new Float32Array([2 ** 64]));
    },
  );
});
