import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DTYPE_BYTES, SafetensorsHeader, isSafetensorsDtype, parseSafetensorsHeader, readHeaderLength } from '../../src/io/safetensors-header.js';
import { SafetensorsFile, WritableDtype, WritableTensor, encodeSafetensors } from '../../src/io/safetensors.js';
import { Rng } from '../../src/tensor/random.js';

/**
 * Seeded fuzzing of the header parser and of SafetensorsFile.open: whatever the input, the result
 * is either a header that satisfies the format's invariants or an Error (exactly Error, not a
 * TypeError or RangeError) whose message starts with the file name.
 */

const FILE = 'fuzz.safetensors';
const ALL_DTYPES = Object.keys(DTYPE_BYTES);

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

/** The invariants every accepted header must satisfy. */
function assertInvariants(h: SafetensorsHeader, headerLength: number, fileSize: number): void {
  assert.equal(h.dataStart, 8 + headerLength);
  for (const [key, value] of Object.entries(h.metadata)) assert.equal(typeof value, 'string', key);
  const filled: { b: number; e: number }[] = [];
  for (const [name, t] of h.tensors) {
    assert.equal(t.name, name);
    assert.ok(isSafetensorsDtype(t.dtype), t.dtype);
    assert.ok(t.shape.every((d) => Number.isSafeInteger(d) && d >= 0));
    assert.ok(Number.isSafeInteger(t.begin) && Number.isSafeInteger(t.end) && t.begin >= 0 && t.begin <= t.end);
    assert.ok(h.dataStart + t.end <= fileSize, 'inside the file');
    assert.equal(t.end - t.begin, t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype]);
    if (t.end > t.begin) filled.push({ b: t.begin, e: t.end });
  }
  filled.sort((x, y) => x.b - y.b);
  for (let i = 1; i < filled.length; i++) assert.ok(filled[i]!.b >= filled[i - 1]!.e, 'no overlap');
}

function assertCleanError(e: unknown, fileName: string): void {
  assert.ok(e instanceof Error, `threw a non-Error: ${String(e)}`);
  assert.equal(Object.getPrototypeOf(e), Error.prototype, `threw ${e.name}: ${e.message}`);
  assert.ok(e.message.startsWith(`${fileName}: `), `message does not start with the file name: ${e.message}`);
}

/** A valid header (contiguous tensors, optional metadata) as JSON text, and its data size. */
function validHeader(rng: Rng): { obj: Record<string, unknown>; dataBytes: number } {
  const obj: Record<string, unknown> = {};
  if (rng.uniform() < 0.5) obj['__metadata__'] = { format: 'pt', n: String(rng.int(100)) };
  let offset = 0;
  const count = rng.int(5);
  for (let i = 0; i < count; i++) {
    const dtype = pick(rng, ALL_DTYPES) as keyof typeof DTYPE_BYTES;
    const shape = Array.from({ length: rng.int(4) }, () => rng.int(4));
    const bytes = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    obj[`t${i}.weight`] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  return { obj, dataBytes: offset + rng.int(3) };
}

const WEIRD_NUMBERS = ['-1', '1.5', '1e300', '1e999', '-0', '0', '9007199254740992', '18446744073709551616', '123456789012345678901234567890', '-1e-7', '4294967296'];

function randomJson(rng: Rng, depth: number): unknown {
  const r = rng.int(depth > 3 ? 5 : 8);
  switch (r) {
    case 0:
      return null;
    case 1:
      return rng.uniform() < 0.5;
    case 2:
      return Number(pick(rng, WEIRD_NUMBERS));
    case 3:
      return rng.int(100);
    case 4:
      return pick(rng, ['F32', 'BF16', 'I64', 'dtype', 'shape', 'data_offsets', '__metadata__', '', 'ü✓']);
    case 5:
    case 6:
      return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) o[pick(rng, ['dtype', 'shape', 'data_offsets', '__metadata__', 'a', 'b'])] = randomJson(rng, depth + 1);
      return o;
    }
  }
}

/** One fuzz input: header bytes and the file size to check them against. */
function fuzzInput(rng: Rng): { bytes: Uint8Array; fileSize: number } {
  const enc = new TextEncoder();
  const kind = rng.int(10);
  if (kind === 0) {
    // Random bytes, sometimes starting with '{' to get past the first check.
    const bytes = new Uint8Array(rng.int(64));
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
    if (bytes.length > 0 && rng.uniform() < 0.5) bytes[0] = 0x7b;
    return { bytes, fileSize: 8 + bytes.length + rng.int(64) };
  }
  if (kind === 1) {
    const bytes = enc.encode(JSON.stringify(randomJson(rng, 0)) ?? 'null');
    return { bytes, fileSize: 8 + bytes.length + rng.int(64) };
  }
  const { obj, dataBytes } = validHeader(rng);
  let text = JSON.stringify(obj);
  switch (kind) {
    case 2: {
      // Byte flips.
      const bytes = enc.encode(text);
      for (let n = 1 + rng.int(3); n > 0; n--) bytes[rng.int(bytes.length)] = rng.int(256);
      return { bytes, fileSize: 8 + bytes.length + dataBytes };
    }
    case 3: {
      // Truncation of the header, or of the file (a file size that is too small).
      const bytes = enc.encode(text);
      if (rng.uniform() < 0.5) return { bytes: bytes.subarray(0, rng.int(bytes.length + 1)), fileSize: 8 + bytes.length + dataBytes };
      return { bytes, fileSize: 8 + bytes.length + rng.int(dataBytes + 1) };
    }
    case 4: {
      // A number replaced by a huge, negative or fractional one.
      const numbers = [...text.matchAll(/\d+/g)];
      if (numbers.length > 0) {
        const m = pick(rng, numbers);
        text = text.slice(0, m.index) + pick(rng, WEIRD_NUMBERS) + text.slice(m.index! + m[0].length);
      }
      break;
    }
    case 5: {
      // A key duplicated, at the top level or inside an entry.
      const keys = Object.keys(obj);
      if (keys.length > 0) {
        const k = pick(rng, keys);
        if (rng.uniform() < 0.5) text = `${text.slice(0, -1)},${JSON.stringify(k)}:${JSON.stringify(obj[k])}}`;
        else text = text.replace(/"dtype":"[A-Z0-9]+"/, (s) => `${s},${s}`);
      }
      break;
    }
    case 6: {
      // A key removed, at the top level or inside an entry.
      const keys = Object.keys(obj);
      if (keys.length > 0) {
        const k = pick(rng, keys);
        const v = obj[k];
        if (rng.uniform() < 0.5 || typeof v !== 'object' || v === null) delete obj[k];
        else delete (v as Record<string, unknown>)[pick(rng, ['dtype', 'shape', 'data_offsets'])];
        text = JSON.stringify(obj);
      }
      break;
    }
    case 7: {
      // Nesting: a value wrapped in arrays/objects, sometimes very deeply.
      const keys = Object.keys(obj);
      if (keys.length > 0) {
        const k = pick(rng, keys);
        const depth = rng.uniform() < 0.1 ? 20000 : 1 + rng.int(5);
        const wrapInArray = rng.uniform() < 0.5;
        const inner = JSON.stringify(obj[k]);
        const wrapped = wrapInArray ? '['.repeat(depth) + inner + ']'.repeat(depth) : '{"x":'.repeat(depth) + inner + '}'.repeat(depth);
        text = text.replace(`${JSON.stringify(k)}:${inner}`, `${JSON.stringify(k)}:${wrapped}`);
      }
      break;
    }
    case 8: {
      // Offsets of one tensor shifted (consistent size, but possibly overlapping a neighbour or
      // running past the end).
      const names = Object.keys(obj).filter((k) => k !== '__metadata__');
      if (names.length > 0) {
        const entry = obj[pick(rng, names)] as { data_offsets: [number, number] };
        const shift = rng.int(17) - 8;
        entry.data_offsets = [Math.max(0, entry.data_offsets[0] + shift), Math.max(0, entry.data_offsets[1] + shift)];
        text = JSON.stringify(obj);
      }
      break;
    }
    default: {
      // Random JSON spliced in place of one value.
      const keys = Object.keys(obj);
      if (keys.length > 0) obj[pick(rng, keys)] = randomJson(rng, 0);
      text = JSON.stringify(obj);
    }
  }
  const bytes = enc.encode(text + ' '.repeat(rng.int(8)));
  return { bytes, fileSize: 8 + bytes.length + dataBytes };
}

test('fuzz: parseSafetensorsHeader accepts only consistent headers and fails only with clean Errors', () => {
  const rng = new Rng(20250201);
  let parsed = 0;
  let refused = 0;
  for (let i = 0; i < 5000; i++) {
    const { bytes, fileSize } = fuzzInput(rng);
    let header: SafetensorsHeader;
    try {
      header = parseSafetensorsHeader(bytes, fileSize, FILE);
    } catch (e) {
      assertCleanError(e, FILE);
      refused++;
      continue;
    }
    assertInvariants(header, bytes.length, fileSize);
    parsed++;
  }
  // Both outcomes must be well represented, or the fuzzer is not reaching the interesting paths.
  assert.ok(parsed > 500, `only ${parsed} inputs parsed`);
  assert.ok(refused > 1500, `only ${refused} inputs refused`);
});

test('fuzz: readHeaderLength on random 8-byte prefixes and file sizes', () => {
  const rng = new Rng(77);
  for (let i = 0; i < 5000; i++) {
    const first8 = new Uint8Array(rng.uniform() < 0.9 ? 8 : rng.int(10));
    for (let j = 0; j < first8.length; j++) first8[j] = rng.int(256);
    // Often make the value small, so that the success path is exercised too.
    if (first8.length >= 8 && rng.uniform() < 0.5) first8.fill(0, 1 + rng.int(3), 8);
    const fileSize = rng.uniform() < 0.5 ? rng.int(1000) : rng.int(2 ** 40);
    try {
      const n = readHeaderLength(first8, fileSize, FILE);
      assert.ok(Number.isSafeInteger(n) && n >= 2 && n <= 100_000_000 && 8 + n <= fileSize);
    } catch (e) {
      assertCleanError(e, FILE);
    }
  }
});

test('fuzz: SafetensorsFile.open on mutated small files opens cleanly or fails with an Error naming the file', async () => {
  const rng = new Rng(4242);
  const dir = await mkdtemp(join(tmpdir(), 'lt-io-fuzz-'));
  let opened = 0;
  try {
    for (let i = 0; i < 300; i++) {
      const tensors: Record<string, WritableTensor> = {};
      for (let k = rng.int(4); k >= 0; k--) {
        const dtype = pick<WritableDtype>(rng, ['F32', 'F16', 'BF16', 'I32', 'I64']);
        const shape = Array.from({ length: rng.int(3) }, () => rng.int(4));
        const n = shape.reduce((a, b) => a * b, 1);
        tensors[`w${k}`] = { dtype, shape, data: Array.from({ length: n }, () => rng.int(100) - 50) };
      }
      const bytes = encodeSafetensors(tensors, rng.uniform() < 0.5 ? { format: 'pt' } : undefined);
      let mutated: Uint8Array = bytes;
      const how = rng.int(4);
      if (how === 0) {
        for (let n = 1 + rng.int(4); n > 0; n--) mutated[rng.int(mutated.length)] = rng.int(256);
      } else if (how === 1) {
        mutated = bytes.subarray(0, rng.int(bytes.length));
      } else if (how === 2) {
        mutated[rng.int(8)] = rng.int(256); // the length field
      } else {
        const extra = new Uint8Array(bytes.length + 1 + rng.int(16));
        extra.set(bytes);
        mutated = extra; // trailing bytes after the data: allowed
      }
      const path = join(dir, `f${i}.safetensors`);
      await writeFile(path, mutated);
      let f: SafetensorsFile;
      try {
        f = await SafetensorsFile.open(path);
      } catch (e) {
        assertCleanError(e, path);
        continue;
      }
      opened++;
      try {
        assertInvariants(f.header, f.header.dataStart - 8, mutated.length);
        for (const name of f.names()) {
          const raw = await f.readRaw(name);
          assert.equal(raw.length, f.entry(name).end - f.entry(name).begin);
          assert.equal((await f.readFloat32(name)).length, f.entry(name).shape.reduce((a, b) => a * b, 1));
          try {
            await f.readInt32(name);
          } catch (e) {
            assertCleanError(e, path); // float dtypes, or flipped bytes giving values outside int32
          }
        }
      } finally {
        await f.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.ok(opened > 50, `only ${opened} mutated files opened`);
});
