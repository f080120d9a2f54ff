/**
 * Reading and writing safetensors files.
 *
 * Reading opens a file handle and reads only what is asked for: the 8-byte header length, the
 * header, then each tensor's bytes with positional reads when requested. A whole file is never
 * loaded at once (real checkpoint shards are several GB).
 *
 * Writing computes the header up front and then streams the tensors one at a time, so a very
 * large file can be produced with one tensor in memory. Files are written atomically.
 */
import { promises as fsp } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import {
  DTYPE_BYTES,
  MAX_HEADER_BYTES,
  METADATA_KEY,
  SafetensorsDtype,
  SafetensorsHeader,
  TensorEntry,
  byteSizeWithin,
  describe,
  formatShape,
  missingTensorMessage,
  parseSafetensorsHeader,
  quote,
  readHeaderLength,
} from './safetensors-header.js';

export type { SafetensorsDtype, SafetensorsHeader, TensorEntry } from './safetensors-header.js';

// Tensor bytes are little-endian and are viewed directly as typed arrays, which use the host's
// byte order. Every platform Node supports in practice is little-endian; refuse the others
// loudly rather than return byte-swapped numbers.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function requireLittleEndianHost(): void {
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error('safetensors: big-endian hosts are not supported');
}

/** Largest piece handed to one read or write call (the OS caps single I/O calls near 2 GiB). */
const IO_CHUNK_BYTES = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Half-precision conversions
// ---------------------------------------------------------------------------------------------

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

let f16Table: Uint32Array | undefined;

/** float32 bit patterns of all 65536 half-precision values (256 KB, built on first use). */
function f16ToF32BitsTable(): Uint32Array {
  if (f16Table) return f16Table;
  const table = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) {
      // Zero or subnormal: mant * 2^-24, exactly representable as a (normal) float32.
      scratchF32[0] = mant * 2 ** -24;
      table[h] = (sign | scratchU32[0]!) >>> 0;
    } else if (exp === 31) {
      // Infinity (mant = 0) or NaN (payload kept, so a quiet NaN stays quiet).
      table[h] = (sign | 0x7f800000 | (mant << 13)) >>> 0;
    } else {
      table[h] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // rebias 15 -> 127
    }
  }
  f16Table = table;
  return table;
}

/** Decodes one IEEE half-precision bit pattern. */
export function f16BitsToFloat32(bits: number): number {
  scratchU32[0] = f16ToF32BitsTable()[bits & 0xffff]!;
  return scratchF32[0]!;
}

/** Decodes one bfloat16 bit pattern (the high half of a float32). */
export function bf16BitsToFloat32(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0]!;
}

/** Half-precision bits of a float32 bit pattern, rounded to nearest, ties to even. */
function f32BitsToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0); // inf / quiet NaN
  const e = exp - 112; // half-precision biased exponent
  if (e >= 31) return sign | 0x7c00; // too large: infinity
  if (e <= 0) {
    // Half subnormal: value / 2^-24 = (1.mant) * 2^(exp - 126), i.e. the 24-bit significand shifted
    // right by 14 - e. Beyond 24 bits of shift the value is below half the smallest subnormal.
    const shift = 14 - e;
    if (shift > 24) return sign;
    const full = mant | 0x800000;
    let h = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) !== 0)) h++; // may carry into the smallest normal: correct
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) !== 0)) h++; // a carry into the exponent is correct, up to infinity
  return sign | h;
}

/** bfloat16 bits of a float32 bit pattern, rounded to nearest, ties to even. */
function f32BitsToBf16Bits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff; // NaN stays NaN
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Half-precision bits of `x` (first rounded to float32), rounded to nearest, ties to even. */
export function float32ToF16Bits(x: number): number {
  scratchF32[0] = x;
  return f32BitsToF16Bits(scratchU32[0]!);
}

/** bfloat16 bits of `x` (first rounded to float32), rounded to nearest, ties to even. */
export function float32ToBf16Bits(x: number): number {
  scratchF32[0] = x;
  return f32BitsToBf16Bits(scratchU32[0]!);
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/** Reads exactly `target.length` bytes at `position`, looping over short reads. */
async function readExactly(handle: fsp.FileHandle, target: Uint8Array, position: number, fileName: string, what: string): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const want = Math.min(target.length - done, IO_CHUNK_BYTES);
    const { bytesRead } = await handle.read(target, done, want, position + done);
    if (bytesRead === 0) {
      throw new Error(`${fileName}: file ended early while reading ${what}: got ${done} of ${target.length} bytes at offset ${position} (truncated file?)`);
    }
    done += bytesRead;
  }
}

/** A safetensors file opened for reading tensors on demand. */
export class SafetensorsFile {
  private handle: fsp.FileHandle | undefined;

  private constructor(
    readonly path: string,
    readonly header: SafetensorsHeader,
    /** File size in bytes when opened. */
    readonly size: number,
    handle: fsp.FileHandle,
  ) {
    this.handle = handle;
  }

  /** Opens `path` and reads and validates its header (not the tensor data). */
  static async open(path: string): Promise<SafetensorsFile> {
    requireLittleEndianHost();
    const handle = await fsp.open(path, 'r');
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error(`${path}: not a regular file`);
      const size = stat.size;
      const first8 = new Uint8Array(Math.min(8, size));
      await readExactly(handle, first8, 0, path, 'the header length');
      const headerLength = readHeaderLength(first8, size, path);
      const headerBytes = new Uint8Array(headerLength);
      await readExactly(handle, headerBytes, 8, path, 'the header');
      const header = parseSafetensorsHeader(headerBytes, size, path);
      return new SafetensorsFile(path, header, size, handle);
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw e;
    }
  }

  get metadata(): Readonly<Record<string, string>> {
    return this.header.metadata;
  }

  /** Tensor names, sorted. */
  names(): string[] {
    return [...this.header.tensors.keys()].sort();
  }

  has(name: string): boolean {
    return this.header.tensors.has(name);
  }

  entry(name: string): TensorEntry {
    const entry = this.header.tensors.get(name);
    if (!entry) throw new Error(missingTensorMessage(this.path, name, this.header.tensors.keys()));
    return entry;
  }

  /** The tensor's bytes (little-endian) in a fresh buffer of its own (offset 0, so aligned). */
  async readRaw(name: string): Promise<Uint8Array> {
    const entry = this.entry(name);
    const handle = this.handle;
    if (!handle) throw new Error(`${this.path}: file is closed (reading tensor ${quote(name)})`);
    const length = entry.end - entry.begin;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(length);
    } catch {
      throw new Error(`${this.path}: tensor ${quote(name)} is ${length} bytes, too large for one buffer in this Node.js`);
    }
    await readExactly(handle, bytes, this.header.dataStart + entry.begin, this.path, `tensor ${quote(name)}`);
    return bytes;
  }

  /**
   * The tensor as float32: F32 as is; F16, BF16 and F64 converted (F64 rounded); integer and
   * BOOL tensors converted to their float32 values (exact up to 2^24 in magnitude).
   */
  async readFloat32(name: string): Promise<Float32Array> {
    const dtype = this.entry(name).dtype;
    return decodeFloat32(dtype, await this.readRaw(name));
  }

  /**
   * The tensor as int32: I32 as is; narrower integers and BOOL widened; I64, U32 and U64
   * converted with an error naming the tensor if a value does not fit. Float tensors are refused.
   */
  async readInt32(name: string): Promise<Int32Array> {
    const dtype = this.entry(name).dtype;
    if (!INTEGER_DTYPES.has(dtype)) {
      throw new Error(`${this.path}: tensor ${quote(name)} is ${dtype}; reading it as int32 needs an integer dtype (I32, I64, ...)`);
    }
    return decodeInt32(dtype, await this.readRaw(name), `${this.path}: tensor ${quote(name)}`);
  }

  /** Closes the file handle. Safe to call more than once. */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await handle.close();
  }
}

const INTEGER_DTYPES: ReadonlySet<SafetensorsDtype> = new Set(['I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL']);

/** Converts a fresh (offset 0) little-endian buffer of `dtype` elements to float32. */
function decodeFloat32(dtype: SafetensorsDtype, raw: Uint8Array): Float32Array {
  const buf = raw.buffer;
  const n = raw.length / DTYPE_BYTES[dtype];
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf, 0, n);
    case 'F64':
      return new Float32Array(new Float64Array(buf, 0, n));
    case 'F16': {
      const table = f16ToF32BitsTable();
      const src = new Uint16Array(buf, 0, n);
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = table[src[i]!]!;
      return out;
    }
    case 'BF16': {
      const src = new Uint16Array(buf, 0, n);
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = src[i]! << 16;
      return out;
    }
    case 'I32':
      return new Float32Array(new Int32Array(buf, 0, n));
    case 'U32':
      return new Float32Array(new Uint32Array(buf, 0, n));
    case 'I16':
      return new Float32Array(new Int16Array(buf, 0, n));
    case 'U16':
      return new Float32Array(new Uint16Array(buf, 0, n));
    case 'I8':
      return new Float32Array(new Int8Array(buf, 0, n));
    case 'U8':
      return new Float32Array(raw);
    case 'BOOL': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = raw[i] !== 0 ? 1 : 0;
      return out;
    }
    case 'I64':
    case 'U64': {
      // Each element is a (low u32, high word) pair; the value is high * 2^32 + low.
      const words = new Uint32Array(buf, 0, 2 * n);
      const signed = dtype === 'I64';
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const hi = signed ? words[2 * i + 1]! | 0 : words[2 * i + 1]!;
        out[i] = hi * 4294967296 + words[2 * i]!;
      }
      return out;
    }
  }
}

/** Converts a fresh little-endian buffer of an integer `dtype` to int32, refusing values that do not fit. */
function decodeInt32(dtype: SafetensorsDtype, raw: Uint8Array, what: string): Int32Array {
  const buf = raw.buffer;
  const n = raw.length / DTYPE_BYTES[dtype];
  const outOfRange = (i: number, value: bigint | number): never => {
    throw new Error(`${what}: ${dtype} value ${value} at index ${i} does not fit in int32`);
  };
  switch (dtype) {
    case 'I32':
      return new Int32Array(buf, 0, n);
    case 'I16':
      return new Int32Array(new Int16Array(buf, 0, n));
    case 'U16':
      return new Int32Array(new Uint16Array(buf, 0, n));
    case 'I8':
      return new Int32Array(new Int8Array(buf, 0, n));
    case 'U8':
      return new Int32Array(raw);
    case 'BOOL': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = raw[i] !== 0 ? 1 : 0;
      return out;
    }
    case 'U32': {
      const src = new Uint32Array(buf, 0, n);
      for (let i = 0; i < n; i++) if (src[i]! > 0x7fffffff) outOfRange(i, src[i]!);
      return new Int32Array(buf, 0, n);
    }
    case 'I64':
    case 'U64': {
      // A value fits in int32 exactly when its high word is the sign extension of its low word
      // (I64), or zero with a low word below 2^31 (U64). No BigInt needed on the fast path.
      const words = new Int32Array(buf, 0, 2 * n);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = words[2 * i]!;
        const hi = words[2 * i + 1]!;
        const fits = dtype === 'I64' ? hi === lo >> 31 : hi === 0 && lo >= 0;
        if (!fits) {
          const wide = new DataView(buf, 8 * i, 8);
          outOfRange(i, dtype === 'I64' ? wide.getBigInt64(0, true) : wide.getBigUint64(0, true));
        }
        out[i] = lo;
      }
      return out;
    }
    default:
      throw new Error(`${what}: ${dtype} is not an integer dtype`);
  }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

export type WritableDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64';
export type WritableData = Float32Array | Int32Array | BigInt64Array | number[];

/**
 * A tensor to write. F16/BF16 data is given as float32 values and rounded to nearest-even;
 * number[] values are first rounded to float32. Integer dtypes need integer values in range.
 */
export interface WritableTensor {
  dtype: WritableDtype;
  shape: readonly number[];
  data: WritableData;
}

export interface WritableTensorSpec {
  name: string;
  dtype: WritableDtype;
  shape: readonly number[];
}

const WRITABLE_DTYPES: readonly WritableDtype[] = ['F32', 'F16', 'BF16', 'I32', 'I64'];

interface PlannedTensor extends WritableTensorSpec {
  readonly count: number;
  readonly begin: number;
  readonly end: number;
}

interface Plan {
  /** The 8-byte length followed by the space-padded JSON header. */
  readonly prefix: Uint8Array;
  /** In file order (by name). */
  readonly tensors: readonly PlannedTensor[];
  readonly totalSize: number;
}

/** Validates names, dtypes, shapes and metadata and lays the tensors out in name order. */
function planLayout(label: string, specs: readonly WritableTensorSpec[], metadata: Record<string, string> | undefined): Plan {
  const seen = new Set<string>();
  for (const s of specs) {
    if (typeof s.name !== 'string') throw new Error(`${label}: tensor names must be strings, got ${typeof s.name}`);
    if (s.name === METADATA_KEY) throw new Error(`${label}: ${METADATA_KEY} is reserved and cannot name a tensor`);
    if (seen.has(s.name)) throw new Error(`${label}: tensor ${quote(s.name)} is listed twice`);
    seen.add(s.name);
    if (!WRITABLE_DTYPES.includes(s.dtype)) {
      throw new Error(`${label}: tensor ${quote(s.name)}: cannot write dtype ${quote(String(s.dtype))} (expected one of ${WRITABLE_DTYPES.join(', ')})`);
    }
    if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(`${label}: tensor ${quote(s.name)}: shape must be an array of non-negative integers, got ${describe(s.shape)}`);
    }
  }
  const metadataJson = metadata === undefined ? undefined : metadataToJson(label, metadata);

  const sorted = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tensors: PlannedTensor[] = [];
  let offset = 0;
  for (const s of sorted) {
    const bytes = byteSizeWithin(s.shape, DTYPE_BYTES[s.dtype], Number.MAX_SAFE_INTEGER - offset);
    if (bytes === undefined) throw new Error(`${label}: tensor ${quote(s.name)}: shape ${formatShape(s.shape)} is too large`);
    const count = bytes / DTYPE_BYTES[s.dtype];
    tensors.push({ name: s.name, dtype: s.dtype, shape: [...s.shape], count, begin: offset, end: offset + bytes });
    offset += bytes;
  }

  // Built by hand rather than with JSON.stringify on an object, which would move integer-like
  // tensor names ("0", "1") to the front and mishandle a tensor named "__proto__".
  const parts: string[] = [];
  if (metadataJson !== undefined) parts.push(`${JSON.stringify(METADATA_KEY)}:${metadataJson}`);
  for (const t of tensors) {
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${t.begin},${t.end}]}`);
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  // Pad with spaces so the data section starts on an 8-byte boundary, as the reference writer does.
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_BYTES) {
    throw new Error(`${label}: the header would be ${headerLength} bytes, over the format's limit of ${MAX_HEADER_BYTES}`);
  }
  const prefix = new Uint8Array(8 + headerLength).fill(0x20, 8 + json.length);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerLength), true);
  prefix.set(json, 8);
  return { prefix, tensors, totalSize: prefix.length + offset };
}

function metadataToJson(label: string, metadata: Record<string, string>): string {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new Error(`${label}: metadata must be an object of strings`);
  }
  const parts: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new Error(`${label}: metadata ${quote(key)} must be a string, got ${typeof value}`);
    parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Checks that `data` has the right type, length and value range for the planned tensor. */
function checkTensorData(label: string, t: PlannedTensor, data: unknown): asserts data is WritableData {
  const where = `${label}: tensor ${quote(t.name)}`;
  const isNumberArray = Array.isArray(data);
  if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof BigInt64Array || isNumberArray)) {
    throw new Error(`${where}: data must be a Float32Array, Int32Array, BigInt64Array or number[], got ${describeData(data)}`);
  }
  if (data.length !== t.count) {
    throw new Error(`${where}: shape ${formatShape(t.shape)} needs ${t.count} values but data has ${data.length}`);
  }
  const badValue = (i: number, v: unknown, expected: string): never => {
    throw new Error(`${where}: value ${typeof v === 'bigint' ? String(v) : describe(v)} at index ${i} is not ${expected}`);
  };
  switch (t.dtype) {
    case 'F32':
    case 'F16':
    case 'BF16':
      if (data instanceof BigInt64Array) throw new Error(`${where}: ${t.dtype} data cannot be a BigInt64Array`);
      if (isNumberArray) for (let i = 0; i < data.length; i++) if (typeof data[i] !== 'number') badValue(i, data[i], 'a number');
      return;
    case 'I32':
      if (data instanceof Int32Array) return;
      if (data instanceof BigInt64Array) {
        for (let i = 0; i < data.length; i++) if (data[i]! !== BigInt.asIntN(32, data[i]!)) badValue(i, data[i], 'an integer in the int32 range');
        return;
      }
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) badValue(i, v, 'an integer in the int32 range');
      }
      return;
    case 'I64':
      if (data instanceof Int32Array || data instanceof BigInt64Array) return;
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) badValue(i, v, 'a safe integer (|x| < 2^53) for I64');
      }
      return;
  }
}

function describeData(data: unknown): string {
  if (data === null) return 'null';
  if (typeof data === 'object') return (data as object).constructor?.name ?? 'an object';
  return typeof data;
}

const ENCODE_CHUNK_ELEMENTS = 1 << 20;

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * The little-endian bytes of validated tensor data, in pieces of at most ENCODE_CHUNK_ELEMENTS
 * elements, so converting a huge tensor (say float32 -> bf16) never needs a second full copy.
 * Data already in the target layout is yielded as views without copying.
 */
function* encodeTensor(dtype: WritableDtype, data: WritableData): Generator<Uint8Array> {
  const n = data.length;
  for (let start = 0; start < n; start += ENCODE_CHUNK_ELEMENTS) {
    const end = Math.min(n, start + ENCODE_CHUNK_ELEMENTS);
    switch (dtype) {
      case 'F32':
        yield bytesOf(data instanceof Float32Array ? data.subarray(start, end) : Float32Array.from(slice(data, start, end), Number));
        break;
      case 'F16':
      case 'BF16': {
        const f32 = data instanceof Float32Array ? data.subarray(start, end) : Float32Array.from(slice(data, start, end), Number);
        const bits = new Uint32Array(f32.buffer, f32.byteOffset, f32.length);
        const out = new Uint16Array(f32.length);
        if (dtype === 'F16') for (let i = 0; i < out.length; i++) out[i] = f32BitsToF16Bits(bits[i]!);
        else for (let i = 0; i < out.length; i++) out[i] = f32BitsToBf16Bits(bits[i]!);
        yield bytesOf(out);
        break;
      }
      case 'I32':
        yield bytesOf(data instanceof Int32Array ? data.subarray(start, end) : Int32Array.from(slice(data, start, end), Number));
        break;
      case 'I64': {
        if (data instanceof BigInt64Array) {
          yield bytesOf(data.subarray(start, end));
          break;
        }
        const words = new Int32Array(2 * (end - start));
        for (let i = start; i < end; i++) {
          const v = Number(data[i]);
          words[2 * (i - start)] = v | 0; // low 32 bits (ToInt32 is exact modulo 2^32 for safe integers)
          words[2 * (i - start) + 1] = Math.floor(v / 4294967296) | 0; // high 32 bits, sign included
        }
        yield bytesOf(words);
        break;
      }
    }
  }
}

function slice(data: WritableData, start: number, end: number): ArrayLike<number | bigint> {
  return data instanceof Float32Array || data instanceof Int32Array || data instanceof BigInt64Array
    ? data.subarray(start, end)
    : data.slice(start, end);
}

async function writeAll(handle: fsp.FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(bytes.length - done, IO_CHUNK_BYTES));
    done += bytesWritten;
  }
}

function specsOf(tensors: Record<string, WritableTensor>): WritableTensorSpec[] {
  return Object.entries(tensors).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape }));
}

/** Encodes a whole safetensors file in memory (for small files and tests). Tensors in name order. */
export function encodeSafetensors(tensors: Record<string, WritableTensor>, metadata?: Record<string, string>): Uint8Array {
  requireLittleEndianHost();
  const label = 'encodeSafetensors';
  const plan = planLayout(label, specsOf(tensors), metadata);
  const out = new Uint8Array(plan.totalSize);
  out.set(plan.prefix, 0);
  let pos = plan.prefix.length;
  for (const t of plan.tensors) {
    const data = tensors[t.name]!.data;
    checkTensorData(label, t, data);
    for (const chunk of encodeTensor(t.dtype, data)) {
      out.set(chunk, pos);
      pos += chunk.length;
    }
  }
  return out;
}

/**
 * Writes a safetensors file atomically, computing the header first and then asking `fill` for
 * each tensor's data in file order (by name), one at a time, so that only one tensor needs to be
 * in memory. A failure (bad data, a throwing `fill`) leaves any existing file untouched.
 */
export async function writeSafetensorsStreaming(
  path: string,
  entries: readonly WritableTensorSpec[],
  fill: (name: string) => WritableData | Promise<WritableData>,
  metadata?: Record<string, string>,
): Promise<void> {
  requireLittleEndianHost();
  const plan = planLayout(path, entries, metadata);
  await writeFileAtomic(path, async (handle) => {
    await writeAll(handle, plan.prefix);
    let written = plan.prefix.length;
    for (const t of plan.tensors) {
      const data: unknown = await fill(t.name);
      checkTensorData(path, t, data);
      for (const chunk of encodeTensor(t.dtype, data)) {
        await writeAll(handle, chunk);
        written += chunk.length;
      }
    }
    if (written !== plan.totalSize) throw new Error(`${path}: wrote ${written} bytes but the header describes ${plan.totalSize}`);
  });
}

/** Writes a safetensors file atomically, tensor by tensor. All data is validated before the file is created. */
export async function writeSafetensors(path: string, tensors: Record<string, WritableTensor>, metadata?: Record<string, string>): Promise<void> {
  const specs = specsOf(tensors);
  const plan = planLayout(path, specs, metadata);
  for (const t of plan.tensors) checkTensorData(path, t, tensors[t.name]!.data);
  await writeSafetensorsStreaming(path, specs, (name) => tensors[name]!.data, metadata);
}
