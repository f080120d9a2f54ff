/**
 * Streaming JSONL reading with precise errors: every problem is reported as
 * `<file>:<line>: <what is wrong>` (1-based line numbers), the way compilers report them, so a
 * user can jump to the bad line of a large file.
 */
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** A problem with one line of a data file. */
export class DataLineError extends Error {
  constructor(
    readonly file: string,
    /** 1-based line number. */
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'DataLineError';
  }
}

/**
 * Thrown by a line parser for a value that is valid JSON but not a valid record; the reader adds
 * the file and line number.
 */
export class RecordError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'RecordError';
  }
}

/** A JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` described for an error message: its JSON text, shortened. */
export function describeValue(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Reads a JSONL file line by line (readline; the file is never held whole as one string) and
 * returns `parse(value, lineNumber)` for every line. Blank lines are errors, because in these
 * formats a blank line means a lost record; a final newline is not a blank line. Lines may end
 * in `\n` or `\r\n`; a UTF-8 byte order mark at the start is ignored.
 */
export async function readJsonLines<T>(path: string, parse: (value: unknown, line: number) => T): Promise<T[]> {
  // Opening first makes a missing or unreadable file fail here, with the path in the message.
  const handle = await open(path, 'r');
  const stream = handle.createReadStream({ encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const out: T[] = [];
  let lineNumber = 0;
  try {
    for await (const rawLine of lines) {
      lineNumber++;
      const line = lineNumber === 1 && rawLine.startsWith('\uFEFF') ? rawLine.slice(1) : rawLine;
      if (line.trim().length === 0) throw new DataLineError(path, lineNumber, 'empty line (expected one JSON object per line)');
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw new DataLineError(path, lineNumber, `invalid JSON: ${(e as Error).message}`);
      }
      try {
        out.push(parse(value, lineNumber));
      } catch (e) {
        if (e instanceof RecordError) throw new DataLineError(path, lineNumber, e.message);
        throw e;
      }
    }
  } finally {
    lines.close();
    stream.destroy();
    await handle.close().catch(() => undefined);
  }
  return out;
}
