/**
 * Parsing and validation of the safetensors header. Pure: no I/O, so the rules can be tested and
 * fuzzed on byte arrays alone.
 *
 * File layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON (possibly right-padded
 * with spaces), then the data section. The JSON maps tensor names to
 * `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the data section) plus an
 * optional `__metadata__` object of strings.
 *
 * Everything here treats its input as hostile: every rejection is an `Error` whose message starts
 * with the file name, names the tensor when there is one, and says what was expected.
 */

export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

/** Bytes per element of each supported dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
});

const DTYPE_NAMES = Object.keys(DTYPE_BYTES) as SafetensorsDtype[];

export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, value);
}

/** Largest header the reference implementation accepts (its MAX_HEADER_SIZE). */
export const MAX_HEADER_BYTES = 100_000_000;

/** The key reserved for free-form string metadata. */
export const METADATA_KEY = '__metadata__';

export interface TensorEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Byte offset of the first byte, relative to the start of the data section. */
  readonly begin: number;
  /** Byte offset one past the last byte, relative to the start of the data section. */
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  readonly metadata: Readonly<Record<string, string>>;
  /** Absolute file offset of the data section: 8 + header length. */
  readonly dataStart: number;
}

function fail(fileName: string, message: string): never {
  throw new Error(`${fileName}: ${message}`);
}

function checkFileSize(fileSize: number, fileName: string): void {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    fail(fileName, `file size must be a non-negative integer, got ${String(fileSize)}`);
  }
}

/**
 * Reads the header length from the first 8 bytes and checks it against the file size and the
 * reference limit. The u64 is read as a BigInt so that a corrupt, huge value is reported as such
 * instead of silently losing precision.
 */
export function readHeaderLength(first8: Uint8Array, fileSize: number, fileName: string): number {
  checkFileSize(fileSize, fileName);
  if (first8.length < 8 || fileSize < 8) {
    const have = Math.min(first8.length, fileSize);
    fail(fileName, `file is ${have} bytes, too short for a safetensors file (needs at least 8 bytes for the header length)`);
  }
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n < 2n) fail(fileName, `header length is ${n}; expected at least 2 bytes (the JSON header "{}")`);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    fail(fileName, `header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes (corrupt file or not a safetensors file?)`);
  }
  const len = Number(n);
  if (8 + len > fileSize) {
    fail(fileName, `header length ${len} runs past the end of the file (8 + ${len} > ${fileSize} bytes; truncated file?)`);
  }
  return len;
}

/**
 * Parses and validates the JSON header (the `headerBytes` that follow the 8-byte length).
 * `fileSize` is the size of the whole file; offsets are checked against it.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileSize: number, fileName: string): SafetensorsHeader {
  checkFileSize(fileSize, fileName);
  if (headerBytes.length > MAX_HEADER_BYTES) {
    fail(fileName, `header length ${headerBytes.length} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  }
  const dataStart = 8 + headerBytes.length;
  if (dataStart > fileSize) {
    fail(fileName, `header length ${headerBytes.length} runs past the end of the file (8 + ${headerBytes.length} > ${fileSize} bytes; truncated file?)`);
  }
  // The reference implementation requires the JSON to start with '{' (no leading whitespace);
  // trailing spaces are the format's padding and JSON.parse accepts them.
  if (headerBytes.length === 0 || headerBytes[0] !== 0x7b) {
    const got = headerBytes.length === 0 ? 'nothing' : `byte 0x${headerBytes[0]!.toString(16).padStart(2, '0')}`;
    fail(fileName, `header must be a JSON object starting with "{", got ${got}`);
  }

  let text: string;
  try {
    // fatal: reject invalid UTF-8 instead of inserting U+FFFD; ignoreBOM keeps a BOM in the text
    // (the '{' check above already excludes one at the start).
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    fail(fileName, 'header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(fileName, `header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isPlainObject(json)) fail(fileName, `header must be a JSON object, got ${describe(json)}`);
  // JSON.parse keeps the last of duplicate keys; a duplicated tensor would silently hide the first
  // entry, so duplicates are reported (only where keys matter: the top level and one below).
  const dup = findDuplicateJsonKey(text, 2);
  if (dup) {
    const where = dup.parent === undefined ? 'the header' : dup.parent === METADATA_KEY ? METADATA_KEY : `tensor ${quote(dup.parent)}`;
    fail(fileName, `key ${quote(dup.key)} appears twice in ${where}`);
  }

  const metadata = parseMetadata(json[METADATA_KEY], fileName);
  const tensors = new Map<string, TensorEntry>();
  const dataBytes = fileSize - dataStart;
  for (const name of Object.keys(json)) {
    if (name === METADATA_KEY) continue;
    tensors.set(name, parseTensorEntry(name, json[name], dataBytes, fileSize, fileName));
  }
  checkNoOverlap(tensors, fileName);
  return { tensors, metadata, dataStart };
}

function parseMetadata(value: unknown, fileName: string): Readonly<Record<string, string>> {
  if (value === undefined) return Object.freeze({});
  if (!isPlainObject(value)) fail(fileName, `${METADATA_KEY} must be an object of string values, got ${describe(value)}`);
  const entries: [string, string][] = [];
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (typeof v !== 'string') fail(fileName, `${METADATA_KEY} ${quote(key)} must be a string, got ${describe(v)}`);
    entries.push([key, v]);
  }
  // fromEntries defines own properties, so a key such as "__proto__" cannot alter the prototype.
  return Object.freeze(Object.fromEntries(entries));
}

const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'] as const;

function parseTensorEntry(name: string, value: unknown, dataBytes: number, fileSize: number, fileName: string): TensorEntry {
  const where = `tensor ${quote(name)}`;
  if (!isPlainObject(value)) {
    fail(fileName, `${where}: expected an object with dtype, shape and data_offsets, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
      fail(fileName, `${where}: unexpected key ${quote(key)} (expected exactly dtype, shape, data_offsets)`);
    }
  }
  for (const key of ENTRY_KEYS) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) fail(fileName, `${where}: missing ${quote(key)}`);
  }

  const dtype = value['dtype'];
  if (typeof dtype !== 'string') fail(fileName, `${where}: dtype must be a string, got ${describe(dtype)}`);
  if (!isSafetensorsDtype(dtype)) {
    fail(fileName, `${where}: unsupported dtype ${quote(dtype)} (expected one of ${DTYPE_NAMES.join(', ')})`);
  }

  const shapeValue = value['shape'];
  if (!Array.isArray(shapeValue) || !shapeValue.every(isNonNegativeSafeInteger)) {
    fail(fileName, `${where}: shape must be an array of non-negative integers, got ${describe(shapeValue)}`);
  }
  const shape = Object.freeze((shapeValue as number[]).map((d) => d + 0)); // + 0 turns -0 into 0

  const offsets = value['data_offsets'];
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeSafeInteger)) {
    fail(fileName, `${where}: data_offsets must be [begin, end] with non-negative integers, got ${describe(offsets)}`);
  }
  const begin = (offsets[0] as number) + 0;
  const end = (offsets[1] as number) + 0;
  if (begin > end) fail(fileName, `${where}: data_offsets [${begin}, ${end}] are reversed (begin > end)`);

  const needed = byteSizeWithin(shape, DTYPE_BYTES[dtype], fileSize);
  if (needed === undefined) {
    fail(fileName, `${where}: shape ${formatShape(shape)} of ${dtype} needs more bytes than the whole file holds (${fileSize})`);
  }
  if (end - begin !== needed) {
    fail(fileName, `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape ${formatShape(shape)} of ${dtype} needs ${needed}`);
  }
  if (end > dataBytes) {
    fail(fileName, `${where}: data_offsets [${begin}, ${end}] end past the end of the file (the data section holds ${dataBytes} bytes; truncated file?)`);
  }
  return Object.freeze({ name, dtype, shape, begin, end });
}

/**
 * Byte size of a tensor, or undefined when it exceeds `limit`. Multiplying step by step and
 * stopping at the limit keeps every intermediate product exact (below 2^53), so a shape such as
 * [2^40, 2^40] cannot wrap around or round to a plausible size.
 */
export function byteSizeWithin(shape: readonly number[], elementBytes: number, limit: number): number | undefined {
  if (shape.some((d) => d === 0)) return 0;
  let size = elementBytes;
  for (const d of shape) {
    size *= d;
    if (size > limit) return undefined;
  }
  return size;
}

/** Rejects pairs of tensors that share bytes. Empty tensors occupy no bytes and never overlap. */
function checkNoOverlap(tensors: ReadonlyMap<string, TensorEntry>, fileName: string): void {
  const filled = [...tensors.values()].filter((t) => t.end > t.begin);
  filled.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < filled.length; i++) {
    const prev = filled[i - 1]!;
    const cur = filled[i]!;
    if (cur.begin < prev.end) {
      fail(fileName, `tensors ${quote(prev.name)} [${prev.begin}, ${prev.end}] and ${quote(cur.name)} [${cur.begin}, ${cur.end}] overlap`);
    }
  }
}

/**
 * Finds a key that occurs twice in the same JSON object, looking at objects nested at most
 * `maxDepth` deep (1 = the top-level object). Only call it on text that JSON.parse accepted: it
 * relies on the grammar being valid and only tracks strings, brackets and commas. Linear time.
 * `parent` is the key holding the object with the duplicate (undefined at the top level).
 */
export function findDuplicateJsonKey(text: string, maxDepth: number): { key: string; parent: string | undefined } | undefined {
  interface Frame {
    readonly keys: Set<string> | undefined; // undefined for arrays and for objects too deep to check
    readonly parent: string | undefined;
    lastKey: string | undefined;
  }
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { key, parent: top.parent };
        top.keys.add(key);
        top.lastKey = key;
      }
      expectKey = false;
      i = j;
    } else if (c === 0x7b /* { */) {
      const top = stack[stack.length - 1];
      const checked = stack.length < maxDepth;
      stack.push({ keys: checked ? new Set() : undefined, parent: top?.lastKey, lastKey: undefined });
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push({ keys: undefined, parent: undefined, lastKey: undefined });
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      // After a comma inside a checked object comes a key; arrays and unchecked objects need no
      // key tracking.
      expectKey = stack[stack.length - 1]?.keys !== undefined;
    }
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A JSON-quoted, length-limited rendering of a name for error messages. */
export function quote(s: string): string {
  const max = 120;
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}

/** `[2, 3]`; very long shapes (only seen in corrupt headers) are cut to keep messages short. */
export function formatShape(shape: readonly number[]): string {
  if (shape.length <= 10) return `[${shape.join(', ')}]`;
  return `[${shape.slice(0, 10).join(', ')}, … (${shape.length} dims)]`;
}

/**
 * A short description of an arbitrary JSON value for error messages. Bounded in size whatever the
 * input (long arrays and strings are cut), so a hostile header cannot blow up the message.
 */
export function describe(value: unknown, depth = 0): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (depth > 0) return value.length === 0 ? '[]' : '[…]';
    const shown = value.slice(0, 6).map((v) => describe(v, depth + 1));
    if (value.length > 6) shown.push('…');
    return `[${shown.join(', ')}]`;
  }
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/**
 * Error text for a missing tensor: names the container and a few available names, preferring the
 * ones that share the longest prefix with the requested name (usually the intended one).
 */
export function missingTensorMessage(container: string, name: string, available: Iterable<string>): string {
  const names = [...available];
  if (names.length === 0) return `${container}: no tensor ${quote(name)} (it holds no tensors)`;
  const common = (a: string): number => {
    let i = 0;
    while (i < a.length && i < name.length && a[i] === name[i]) i++;
    return i;
  };
  const suggestions = names
    .map((n) => ({ n, c: common(n) }))
    .sort((a, b) => b.c - a.c || (a.n < b.n ? -1 : a.n > b.n ? 1 : 0))
    .slice(0, 5)
    .map((s) => quote(s.n));
  return `${container}: no tensor ${quote(name)} (${names.length} tensors, e.g. ${suggestions.join(', ')})`;
}
