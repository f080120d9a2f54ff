/**
 * NumPy `.npy` files (format versions 1-3): the way a Python pipeline most often hands over an
 * array. Reads little-endian float16/32/64 and int32/64 arrays in C order as float32, tensor data
 * read in slices from a file handle (a trajectory export can be many GB); writes float32.
 */
import { promises as fsp } from 'node:fs';
import { f16BitsToFloat32 } from './safetensors.js';
import { writeFileAtomic } from './atomic.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const ITEM_SIZES: Readonly<Record<string, number>> = { '<f2': 2, '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8 };

export interface NpyHeader {
  /** Numpy dtype string, e.g. '<f4'. */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Byte offset of the data. */
  readonly dataOffset: number;
}

/** Parses the Python-literal header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }. */
function parseHeaderDict(text: string, path: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${path}: the .npy header lacks descr, fortran_order or shape: ${JSON.stringify(text.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${path}: .npy shape entry "${s}" is not a non-negative integer`);
      return n;
    });
  return { descr, fortran: fortran === 'True', shape };
}

/** Reads and validates the header of an .npy file. */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  const handle = await fsp.open(path, 'r');
  try {
    return await headerOf(handle, path);
  } finally {
    await handle.close();
  }
}

async function headerOf(handle: fsp.FileHandle, path: string): Promise<NpyHeader> {
  const size = (await handle.stat()).size;
  const prefix = Buffer.alloc(12);
  const { bytesRead } = await handle.read(prefix, 0, 12, 0);
  if (bytesRead < 10 || MAGIC.some((b, i) => prefix[i] !== b)) throw new Error(`${path}: not a .npy file (bad magic bytes)`);
  const major = prefix[6]!;
  if (major < 1 || major > 3) throw new Error(`${path}: unsupported .npy format version ${major}.${prefix[7]}`);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? prefix.readUInt16LE(8) : prefix.readUInt32LE(8);
  const start = 8 + lengthBytes;
  if (start + headerLength > size) throw new Error(`${path}: the .npy header (${headerLength} bytes) runs past the end of the file (${size} bytes)`);
  const headerBytes = Buffer.alloc(headerLength);
  await handle.read(headerBytes, 0, headerLength, start);
  const { descr, fortran, shape } = parseHeaderDict(headerBytes.toString(major === 3 ? 'utf8' : 'latin1'), path);
  if (fortran) throw new Error(`${path}: Fortran-ordered arrays are not supported (save with np.ascontiguousarray)`);
  const itemSize = ITEM_SIZES[descr];
  if (itemSize === undefined) throw new Error(`${path}: dtype ${descr} is not supported (expected one of ${Object.keys(ITEM_SIZES).join(', ')}, little-endian)`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataOffset = start + headerLength;
  if (dataOffset + count * itemSize !== size) {
    throw new Error(`${path}: shape (${shape.join(', ')}) of ${descr} needs ${count * itemSize} data bytes, the file has ${size - dataOffset}`);
  }
  return { dtype: descr, shape, dataOffset };
}

/** Converts `count` little-endian values of `dtype` from `bytes` into `out` at `at`. */
function convert(bytes: Buffer, dtype: string, out: Float32Array, at: number, count: number): void {
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case '<f2':
        out[at + i] = f16BitsToFloat32(bytes.readUInt16LE(2 * i));
        break;
      case '<f4':
        out[at + i] = bytes.readFloatLE(4 * i);
        break;
      case '<f8':
        out[at + i] = bytes.readDoubleLE(8 * i);
        break;
      case '<i4':
        out[at + i] = bytes.readInt32LE(4 * i);
        break;
      default:
        out[at + i] = Number(bytes.readBigInt64LE(8 * i));
    }
  }
}

/** Reads a whole .npy array as float32, in 16 MB slices. */
export async function readNpy(path: string): Promise<{ data: Float32Array; shape: number[] }> {
  const handle = await fsp.open(path, 'r');
  try {
    const header = await headerOf(handle, path);
    const count = header.shape.reduce((a, b) => a * b, 1);
    const itemSize = ITEM_SIZES[header.dtype]!;
    const data = new Float32Array(count);
    const perSlice = Math.max(1, Math.floor((16 << 20) / itemSize));
    const buffer = Buffer.alloc(Math.min(count, perSlice) * itemSize);
    for (let at = 0; at < count; at += perSlice) {
      const n = Math.min(perSlice, count - at);
      const { bytesRead } = await handle.read(buffer, 0, n * itemSize, header.dataOffset + at * itemSize);
      if (bytesRead !== n * itemSize) throw new Error(`${path}: short read at value ${at}`);
      convert(buffer, header.dtype, data, at, n);
    }
    return { data, shape: [...header.shape] };
  } finally {
    await handle.close();
  }
}

/** Encodes a float32 array as .npy version 1.0 bytes (header padded to a multiple of 64). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeNpy: shape (${shape.join(', ')}) holds ${count} values, the data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length + data.byteLength);
  MAGIC.forEach((b, i) => (out[i] = b));
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 10 + header.length);
  return out;
}

/** Writes a float32 array as .npy atomically. */
export async function writeNpy(path: string, data: Float32Array, shape: readonly number[]): Promise<void> {
  await writeFileAtomic(path, encodeNpy(data, shape));
}
