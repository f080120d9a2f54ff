/**
 * The parts of the Jupyter notebook format (nbformat 4) that the reproduction runner reads and
 * writes: cells, their sources and outputs. Sources and texts may be a string or a list of lines.
 */
import { promises as fsp } from 'node:fs';

export type MultilineText = string | string[];

export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr';
  text: MultilineText;
}
export interface DisplayDataOutput {
  output_type: 'display_data';
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}
export interface ExecuteResultOutput {
  output_type: 'execute_result';
  execution_count: number | null;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}
export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell {
  cell_type: 'code';
  id?: string;
  metadata: Record<string, unknown>;
  source: MultilineText;
  execution_count: number | null;
  outputs: Output[];
}
export interface TextCell {
  cell_type: 'markdown' | 'raw';
  id?: string;
  metadata: Record<string, unknown>;
  source: MultilineText;
  attachments?: Record<string, unknown>;
}
export type Cell = CodeCell | TextCell;

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

/** One string from nbformat's string-or-lines form. */
export function joinText(text: MultilineText | undefined): string {
  if (text === undefined) return '';
  return Array.isArray(text) ? text.join('') : text;
}

/** Parses notebook JSON, checking the structure the runner relies on; `what` names the file. */
export function parseNotebook(json: string, what: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new Error(`${what}: not valid JSON (${(e as Error).message})`);
  }
  const nb = value as Partial<Notebook>;
  if (typeof nb !== 'object' || nb === null || !Array.isArray(nb.cells)) throw new Error(`${what}: not a Jupyter notebook (no "cells" list)`);
  if (nb.nbformat !== 4) throw new Error(`${what}: nbformat ${String(nb.nbformat)}; only nbformat 4 notebooks are supported`);
  nb.cells.forEach((cell, i) => {
    const c = cell as Partial<Cell>;
    if (c.cell_type !== 'code' && c.cell_type !== 'markdown' && c.cell_type !== 'raw') throw new Error(`${what}: cell ${i + 1} has cell_type ${JSON.stringify(c.cell_type)}`);
    if (typeof c.source !== 'string' && !Array.isArray(c.source)) throw new Error(`${what}: cell ${i + 1} has no source`);
  });
  return { nbformat: 4, nbformat_minor: nb.nbformat_minor ?? 5, metadata: nb.metadata ?? {}, cells: nb.cells as Cell[] };
}

export async function readNotebook(path: string): Promise<Notebook> {
  return parseNotebook(await fsp.readFile(path, 'utf8'), path);
}

/** Notebook JSON as Jupyter writes it (one-space indent, trailing newline). */
export function formatNotebook(nb: Notebook): string {
  return `${JSON.stringify(nb, null, 1)}\n`;
}

/** The first line of a cell's source (for error messages and progress). */
export function cellTitle(cell: Cell): string {
  const first = joinText(cell.source).split('\n').find((line) => line.trim() !== '') ?? '';
  return first.length > 70 ? `${first.slice(0, 67)}...` : first;
}
