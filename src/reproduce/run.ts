/**
 * `npm run reproduce`: executes every notebook of `notebooks/` headless on the kernel's own
 * executor (one worker process per notebook, worker.ts; no Python, no Jupyter), then writes
 *   <out>/notebooks/NAME.ipynb   the executed notebooks,
 *   <out>/index.html             one self-contained report (plotly inlined once, offline),
 *   <out>/summary.json           each notebook's status, time and key figures,
 * and prints progress, a summary table and where the report is. Notebooks cache their trajectory
 * sets (out/sets), so a warm re-run only loads them.
 */
import { fork } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseNotebook, type Notebook } from './notebook.js';
import { failureText, keyFiguresOf, writeReport, type NotebookReport, type SummaryJson } from './report.js';
import type { CellFailure } from './execute.js';
import type { WorkerMessage } from './worker.js';

export const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..');
export const DEFAULT_NOTEBOOKS_DIR = join(PACKAGE_ROOT, 'notebooks');
export const DEFAULT_REPORT_DIR = join(PACKAGE_ROOT, 'out', 'report');
const WORKER = join(__dirname, 'worker.js');

export interface ReproduceOptions {
  /** Folder of the notebooks (default notebooks/ of this package). */
  readonly notebooksDir?: string;
  /** Report folder (default out/report). */
  readonly outDir?: string;
  /** Quick mode: sets LTO_QUICK=1 for the notebooks. */
  readonly quick?: boolean;
  /** Only notebooks whose file name contains one of these strings. */
  readonly only?: readonly string[];
  /** Seconds one notebook may take before it is stopped (default 3600). */
  readonly timeoutSeconds?: number;
  /** Extra environment for the notebooks. */
  readonly env?: Readonly<Record<string, string>>;
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

export interface ReproduceResult {
  readonly reports: readonly NotebookReport[];
  readonly summary: SummaryJson;
  readonly htmlPath: string;
  readonly summaryPath: string;
  readonly seconds: number;
  readonly ok: boolean;
}

/** The notebooks to run: `*.ipynb` of the folder in name order (checkpoint copies excluded). */
export async function listNotebooks(dir: string, only?: readonly string[]): Promise<string[]> {
  if (!existsSync(dir)) throw new Error(`reproduce: no notebooks folder at ${dir}`);
  const names = (await fsp.readdir(dir)).filter((n) => n.endsWith('.ipynb') && !n.startsWith('.')).sort();
  const chosen = only && only.length > 0 ? names.filter((n) => only.some((o) => n.includes(o))) : names;
  if (chosen.length === 0) throw new Error(`reproduce: no notebooks${only && only.length ? ` matching ${only.join(', ')}` : ''} in ${dir}`);
  return chosen.map((n) => join(dir, n));
}

/** Runs one notebook in a worker process; resolves when it has exited. */
function runWorker(path: string, outPath: string, env: NodeJS.ProcessEnv, timeoutMs: number, log: (line: string) => void): Promise<{ failure?: CellFailure | { message: string }; seconds: number }> {
  const name = basename(path);
  const started = performance.now();
  return new Promise((done) => {
    const child = fork(WORKER, [path, outPath], { cwd: resolve(path, '..'), env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let result: { failure?: CellFailure | { message: string }; seconds: number } | undefined;
    let stderr = '';
    child.stdout?.on('data', () => undefined);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    const timer = setTimeout(() => {
      result = { failure: { message: `${name}: stopped after ${timeoutMs / 1000} s (the notebook timeout)` }, seconds: timeoutMs / 1000 };
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'cell-start') log(`  ${name} [${m.event.codeCell}/${m.event.codeCells}] ${m.event.title}`);
      else if (m.type === 'cell-end' && m.timing.seconds >= 5) log(`  ${name} [${m.timing.codeCell}/${m.timing.codeCells}] ${m.timing.status} in ${m.timing.seconds.toFixed(1)} s`);
      else if (m.type === 'done') result = { ...(m.failure ? { failure: m.failure } : {}), seconds: m.seconds };
      else if (m.type === 'fatal') result = { failure: { message: `${name}: ${m.message}` }, seconds: (performance.now() - started) / 1000 };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      if (result) done(result.failure ? result : { seconds: result.seconds });
      else done({ failure: { message: `${name}: the worker exited (${signal ?? `code ${code}`}) before finishing${stderr ? `: ${stderr.trim().split('\n').slice(-5).join(' | ')}` : ''}` }, seconds });
    });
  });
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The short table printed at the end. */
export function summaryTable(reports: readonly NotebookReport[]): string {
  const rows = reports.map((r) => {
    const k = keyFiguresOf(r.notebook);
    const measured = (k?.comparisons ?? []).filter((c) => c.reproduces !== null);
    const yes = measured.filter((c) => c.reproduces).length;
    return [r.name, r.status === 'ok' ? 'ok' : 'ERROR', `${r.seconds.toFixed(1)} s`, measured.length ? `${yes}/${measured.length}` : '-', k?.reproduces ?? ''];
  });
  const header = ['notebook', 'status', 'time', 'paper', 'reproduces'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => pad(cell, widths[c]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export async function reproduce(options: ReproduceOptions = {}): Promise<ReproduceResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const notebooksDir = resolve(options.notebooksDir ?? DEFAULT_NOTEBOOKS_DIR);
  const outDir = resolve(options.outDir ?? DEFAULT_REPORT_DIR);
  const executedDir = join(outDir, 'notebooks');
  const paths = await listNotebooks(notebooksDir, options.only);
  await fsp.mkdir(executedDir, { recursive: true });
  const quick = options.quick ?? (process.env['LTO_QUICK'] === '1' || process.env['LTO_QUICK'] === 'true');
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, ...(quick ? { LTO_QUICK: '1' } : {}) };
  if (!quick) delete env['LTO_QUICK'];
  const model = env['LTO_DEFAULT_MODEL'] ? resolve(env['LTO_DEFAULT_MODEL']) : join(PACKAGE_ROOT, 'datasets', 'model');
  const timeoutMs = (options.timeoutSeconds ?? 3600) * 1000;
  const started = performance.now();
  log(`reproduce: ${paths.length} notebooks from ${notebooksDir} (${quick ? 'quick mode' : 'full mode'}; model ${model})`);
  const reports: NotebookReport[] = [];
  for (const [i, path] of paths.entries()) {
    const name = basename(path);
    const outPath = join(executedDir, name);
    log(`[${i + 1}/${paths.length}] ${name}`);
    await fsp.rm(outPath, { force: true });
    const run = await runWorker(path, outPath, env, timeoutMs, log);
    let notebook: Notebook | undefined;
    if (existsSync(outPath)) notebook = parseNotebook(await fsp.readFile(outPath, 'utf8'), outPath);
    const report: NotebookReport = { name, executed: `notebooks/${name}`, status: run.failure ? 'error' : 'ok', seconds: run.seconds, ...(run.failure ? { failure: run.failure } : {}), ...(notebook ? { notebook } : {}) };
    reports.push(report);
    log(`[${i + 1}/${paths.length}] ${name}: ${run.failure ? `FAILED: ${failureText(run.failure)}` : 'ok'} (${run.seconds.toFixed(1)} s)`);
  }
  const seconds = (performance.now() - started) / 1000;
  const htmlPath = join(outDir, 'index.html');
  const summaryPath = join(outDir, 'summary.json');
  const summary = await writeReport(htmlPath, summaryPath, reports, { mode: quick ? 'quick' : 'full', model, seconds });
  return { reports, summary, htmlPath, summaryPath, seconds, ok: reports.every((r) => r.status === 'ok') };
}
