/**
 * Collects what went wrong while one cell ran, and turns it into Jupyter's error content
 * (`ename`, `evalue`, `traceback`), which front ends render as an error output and nbclient
 * reports. tslab itself only prints errors to stderr.
 */
import { format, inspect } from 'node:util';
import type { Diagnostic } from 'tslab/dist/converter';

/** The content of a Jupyter `error` message (and of an execute_reply with status "error"). */
export interface ErrorContent {
  readonly ename: string;
  readonly evalue: string;
  readonly traceback: string[];
}

/**
 * Stack frames from here on are the kernel's machinery (vm, tslab's executor), not the user's
 * code; they are cut from tracebacks.
 */
const INTERNAL_FRAME = /\(node:vm[:)]|\bnode:vm\b|[\\/]tslab[\\/]dist[\\/]|[\\/]dist[\\/]src[\\/]kernel[\\/]/;

/** The traceback lines of an Error: its stack without the kernel's own frames. */
export function tracebackOf(error: Error): string[] {
  const header = `${error.name}: ${error.message}`;
  if (typeof error.stack !== 'string' || error.stack === '') return [header];
  const lines = error.stack.split('\n');
  const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
  if (firstFrame < 0) return lines;
  const cut = lines.findIndex((line, i) => i >= firstFrame && INTERNAL_FRAME.test(line));
  return cut < 0 ? lines : lines.slice(0, cut);
}

/** Error content for a thrown value (an Error or anything else a cell can throw). */
export function exceptionContent(thrown: unknown): ErrorContent {
  if (thrown instanceof Error || (typeof thrown === 'object' && thrown !== null && typeof (thrown as Error).message === 'string' && typeof (thrown as Error).name === 'string')) {
    const error = thrown as Error;
    return { ename: error.name || 'Error', evalue: error.message, traceback: tracebackOf(error) };
  }
  const text = inspect(thrown);
  return { ename: 'Error', evalue: `Uncaught ${text}`, traceback: [`Uncaught ${text}`] };
}

/** One TypeScript diagnostic as `file line:column - message` (cell positions are 1-based). */
export function diagnosticLine(d: Diagnostic): string {
  return `${d.fileName ? `${d.fileName} ` : ''}${d.start.line + 1}:${d.start.character + 1} - error TS${d.code}: ${d.messageText}`;
}

/** Error content for TypeScript diagnostics that stopped a cell from running. */
export function compileErrorContent(diagnostics: readonly Diagnostic[]): ErrorContent {
  const lines = diagnostics.map(diagnosticLine);
  const evalue = diagnostics.length === 1 ? lines[0]! : `${diagnostics.length} errors; the first: ${lines[0]}`;
  return { ename: 'CompileError', evalue, traceback: lines };
}

/** What one cell reported through the executor's `error` channel and the converter. */
export class CellErrors {
  private readonly thrown: unknown[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly messages: string[] = [];

  /** The executor's console.error: one argument is a thrown value, several a formatted message. */
  report(args: readonly unknown[]): void {
    if (args.length === 1) this.thrown.push(args[0]);
    else this.messages.push(format(...args));
  }

  /** Diagnostics of the cell's compilation (structured, from the converter). */
  addDiagnostics(diagnostics: readonly Diagnostic[]): void {
    this.diagnostics.push(...diagnostics);
  }

  /** Printed messages that did not fail the cell (e.g. diagnostics of a `%module` cell). */
  get printed(): readonly string[] {
    return this.messages;
  }

  /** The error output for a failed cell: the exception if one was thrown, else the compile errors. */
  content(): ErrorContent {
    if (this.thrown.length > 0) return exceptionContent(this.thrown[0]);
    if (this.diagnostics.length > 0) return compileErrorContent(this.diagnostics);
    if (this.messages.length > 0) return { ename: 'Error', evalue: this.messages[0]!, traceback: [...this.messages] };
    return { ename: 'Error', evalue: 'the cell failed without an error message', traceback: [] };
  }
}
