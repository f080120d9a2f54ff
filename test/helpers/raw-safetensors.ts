/**
 * Hand-made safetensors bytes for tests of the reader: any header text (valid or not), any data,
 * and optionally a lying header-length field. The library's writer cannot produce broken files,
 * so malformed-input tests build them here.
 */
export interface RawSafetensorsOptions {
  /** Value written in the 8-byte length field instead of the header's real length. */
  lengthField?: bigint;
}

export function rawSafetensors(header: string | object, data: Uint8Array | number = 0, opts: RawSafetensorsOptions = {}): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  const bytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + bytes.length);
  new DataView(out.buffer).setBigUint64(0, opts.lengthField ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes, 8 + json.length);
  return out;
}

/** Little-endian bytes of a typed array (copied). */
export function leBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}
