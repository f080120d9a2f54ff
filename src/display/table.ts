/**
 * Table: a rich display of an arquero table or an array of row objects. Long tables show their
 * first and last rows, wide ones their first and last columns, long strings are shortened and
 * numbers formatted with a fixed number of significant digits. Every cell is escaped.
 */
import { JUPYTER_DISPLAY, escapeHtml, type MimeBundle } from './protocol.js';

/** The part of arquero's Table API used here (duck-typed: arquero is ESM-only). */
export interface ColumnarTable {
  numRows(): number;
  columnNames(): string[];
  objects(options?: { offset?: number; limit?: number }): object[];
}

export interface TableOptions {
  /** Rows shown before eliding the middle (half from the start, half from the end). Default 20. */
  readonly maxRows?: number;
  /** Columns shown before eliding the middle ones. Default 20. */
  readonly maxColumns?: number;
  /** Characters kept of a string cell. Default 60. */
  readonly maxStringLength?: number;
  /** Significant digits of non-integer numbers. Default 4. */
  readonly digits?: number;
  readonly title?: string;
}

/** `1234567` -> `1,234,567` (summaries.ts has the same; not imported, it loads the model code). */
function groupDigits(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function isColumnarTable(value: unknown): value is ColumnarTable {
  const t = value as Partial<ColumnarTable> | null;
  return typeof t === 'object' && t !== null && typeof t.numRows === 'function' && typeof t.columnNames === 'function' && typeof t.objects === 'function';
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`Table: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** Shortens to `max` characters (by code point) with an ellipsis. */
function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** A number as text: integers in full, others with `digits` significant digits. */
export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e9 || magnitude < 1e-4)) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

interface Cell {
  readonly text: string;
  readonly missing: boolean;
  readonly numeric: boolean;
}

export class Table {
  readonly rowCount: number;
  readonly columns: readonly string[];
  private readonly head: readonly Record<string, unknown>[];
  private readonly tail: readonly Record<string, unknown>[];
  private readonly headStart = 0;
  private readonly tailStart: number;
  private readonly options: Required<Omit<TableOptions, 'title'>> & { title: string | undefined };

  constructor(data: ColumnarTable | readonly Record<string, unknown>[], options: TableOptions = {}) {
    this.options = {
      maxRows: positiveInteger(options.maxRows, 20, 'maxRows'),
      maxColumns: positiveInteger(options.maxColumns, 20, 'maxColumns'),
      maxStringLength: positiveInteger(options.maxStringLength, 60, 'maxStringLength'),
      digits: positiveInteger(options.digits, 4, 'digits'),
      title: options.title,
    };
    const { maxRows } = this.options;
    const headCount = Math.ceil(maxRows / 2);
    const tailCount = maxRows - headCount;
    if (isColumnarTable(data)) {
      this.rowCount = data.numRows();
      this.columns = data.columnNames();
      const elided = this.rowCount > maxRows;
      this.head = data.objects({ offset: 0, limit: elided ? headCount : this.rowCount }) as Record<string, unknown>[];
      this.tail = elided ? (data.objects({ offset: this.rowCount - tailCount, limit: tailCount }) as Record<string, unknown>[]) : [];
    } else if (Array.isArray(data)) {
      const names = new Set<string>();
      data.forEach((row, i) => {
        if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new TypeError(`Table: rows[${i}] must be an object of column values, got ${row === null ? 'null' : Array.isArray(row) ? 'an array' : typeof row}`);
        for (const key of Object.keys(row)) names.add(key);
      });
      this.rowCount = data.length;
      this.columns = [...names];
      const elided = this.rowCount > maxRows;
      this.head = elided ? data.slice(0, headCount) : data.slice();
      this.tail = elided ? data.slice(this.rowCount - tailCount) : [];
    } else {
      throw new TypeError('Table: expected an arquero table or an array of row objects');
    }
    this.tailStart = this.rowCount - this.tail.length;
  }

  /** The shown columns, with `undefined` standing for the elided middle ones. */
  private shownColumns(): (string | undefined)[] {
    const { maxColumns } = this.options;
    if (this.columns.length <= maxColumns) return [...this.columns];
    const first = Math.ceil(maxColumns / 2);
    const last = maxColumns - first;
    return [...this.columns.slice(0, first), undefined, ...this.columns.slice(this.columns.length - last)];
  }

  private cell(value: unknown): Cell {
    const { digits, maxStringLength } = this.options;
    if (value === null || value === undefined) return { text: value === null ? 'null' : '', missing: true, numeric: false };
    if (typeof value === 'number') return { text: formatNumber(value, digits), missing: false, numeric: true };
    if (typeof value === 'bigint') return { text: value.toString(), missing: false, numeric: true };
    if (typeof value === 'boolean') return { text: String(value), missing: false, numeric: false };
    if (typeof value === 'string') return { text: clip(value, maxStringLength), missing: false, numeric: false };
    if (value instanceof Date) return { text: Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString(), missing: false, numeric: false };
    let json: string;
    try {
      json = ArrayBuffer.isView(value) ? `[${Array.from(value as unknown as ArrayLike<number>, (v) => (typeof v === 'number' ? formatNumber(v, digits) : String(v))).join(', ')}]` : (JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value));
    } catch {
      json = String(value);
    }
    return { text: clip(json, maxStringLength), missing: false, numeric: false };
  }

  /** Rows shown: [row number, row] for the head, then (if elided) the tail. */
  private shownRows(): { head: [number, Record<string, unknown>][]; tail: [number, Record<string, unknown>][] } {
    return { head: this.head.map((row, i) => [this.headStart + i, row]), tail: this.tail.map((row, i) => [this.tailStart + i, row]) };
  }

  /** The one-line description: size and what is elided. */
  describe(): string {
    const parts = [`${groupDigits(this.rowCount)} row${this.rowCount === 1 ? '' : 's'} × ${this.columns.length} column${this.columns.length === 1 ? '' : 's'}`];
    const hidden: string[] = [];
    if (this.tail.length) hidden.push(`rows ${groupDigits(this.head.length)}–${groupDigits(this.tailStart - 1)}`);
    if (this.columns.length > this.options.maxColumns) hidden.push(`${this.columns.length - this.options.maxColumns} columns`);
    if (hidden.length) parts.push(`${hidden.join(' and ')} not shown`);
    return `${this.options.title === undefined ? 'Table' : this.options.title}: ${parts.join('; ')}`;
  }

  /** Numeric columns align right (a column is numeric when every present value is a number). */
  private numericColumns(): Set<string> {
    const rows = [...this.head, ...this.tail];
    return new Set(this.columns.filter((c) => rows.some((r) => r[c] !== null && r[c] !== undefined) && rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number' || typeof r[c] === 'bigint')));
  }

  toString(): string {
    const columns = this.shownColumns();
    const { head, tail } = this.shownRows();
    const textOf = (row: Record<string, unknown>, c: string | undefined): string => (c === undefined ? '…' : this.cell(row[c]).text.replace(/[\r\n\t]+/g, ' '));
    const lines: string[][] = [['', ...columns.map((c) => (c === undefined ? '…' : clip(c, this.options.maxStringLength)))]];
    for (const [index, row] of head) lines.push([String(index), ...columns.map((c) => textOf(row, c))]);
    const gap = lines.length;
    for (const [index, row] of tail) lines.push([String(index), ...columns.map((c) => textOf(row, c))]);
    const widths = lines[0]!.map((_, k) => Math.max(...lines.map((l) => Array.from(l[k]!).length)));
    const numeric = this.numericColumns();
    const align = (cells: string[]): string =>
      cells
        .map((cell, k) => {
          const column = k === 0 ? undefined : columns[k - 1];
          const pad = widths[k]! - Array.from(cell).length;
          return k === 0 || (column !== undefined && numeric.has(column)) ? ' '.repeat(pad) + cell : cell + ' '.repeat(pad);
        })
        .join('  ')
        .trimEnd();
    const out = lines.map(align);
    if (tail.length) out.splice(gap, 0, '…');
    return [this.describe(), ...out].join('\n');
  }

  /** The HTML table (also used in standalone pages). */
  pageHtml(): string {
    const columns = this.shownColumns();
    const { head, tail } = this.shownRows();
    const numeric = this.numericColumns();
    const header = `<tr><th></th>${columns.map((c) => (c === undefined ? '<th>…</th>' : `<th style="text-align:${numeric.has(c) ? 'right' : 'left'}">${escapeHtml(c)}</th>`)).join('')}</tr>`;
    const rowHtml = ([index, row]: [number, Record<string, unknown>]): string =>
      `<tr><th style="text-align:right;color:#999">${index}</th>${columns
        .map((c) => {
          if (c === undefined) return '<td>…</td>';
          const cell = this.cell(row[c]);
          const style = `text-align:${numeric.has(c) ? 'right' : 'left'}${cell.missing ? ';color:#aaa' : ''}`;
          const full = typeof row[c] === 'string' && cell.text !== row[c] ? ` title="${escapeHtml(clip(row[c] as string, 2000))}"` : '';
          return `<td style="${style}"${full}>${escapeHtml(cell.text)}</td>`;
        })
        .join('')}</tr>`;
    const gap = tail.length ? `<tr><td colspan="${columns.length + 1}" style="text-align:center;color:#999">… ${groupDigits(this.tailStart - head.length)} more rows …</td></tr>` : '';
    const body = head.map(rowHtml).join('') + gap + tail.map(rowHtml).join('');
    return `<table class="lt-table"><caption style="text-align:left">${escapeHtml(this.describe())}</caption><thead>${header}</thead><tbody>${body}</tbody></table>`;
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return { 'text/plain': this.toString(), 'text/html': this.pageHtml() };
  }
}
