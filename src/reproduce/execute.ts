/**
 * Executes a notebook in this process on the Latent Thinking kernel's own execution core
 * (`LatentKernel`: tslab's TypeScript executor with the kernel's rich results, display handles and
 * error outputs), without Jupyter or ZeroMQ: the IOPub messages the kernel publishes are turned
 * into nbformat outputs directly.
 *
 * One notebook per process (the runner forks a worker per notebook), as Jupyter starts one kernel
 * per notebook: cells share globals, modules, the tensor backend and the "plotly already embedded"
 * state, so notebooks must not share a process. Cells run in the notebook's folder (the kernel's
 * working directory, where relative imports and `latent-thinking` resolve from).
 */
import { performance } from 'node:perf_hooks';
import { LatentKernel, type IopubChannel } from '../kernel/kernel.js';
import { resolveLibraryFrom } from '../kernel/main.js';
import { setDisplaySink } from '../display/display.js';
import { cellTitle, joinText, type CodeCell, type ErrorOutput, type Notebook, type Output } from './notebook.js';

export interface CellEvent {
  /** 1-based index among all cells of the notebook (markdown included), as front ends number them. */
  readonly cell: number;
  readonly codeCell: number;
  readonly codeCells: number;
  readonly title: string;
}

export interface CellTiming extends CellEvent {
  readonly seconds: number;
  readonly status: 'ok' | 'error';
}

export interface CellFailure extends CellEvent {
  readonly ename: string;
  readonly evalue: string;
  readonly traceback: readonly string[];
}

export interface ExecutionResult {
  /** The notebook with outputs and execution counts (cells after a failure are left unexecuted). */
  readonly notebook: Notebook;
  readonly cells: readonly CellTiming[];
  readonly failure?: CellFailure;
  readonly seconds: number;
}

export interface ExecuteOptions {
  /** Folder the cells run in (the notebook's). Must be the process's working directory already. */
  readonly dir: string;
  readonly onCellStart?: (event: CellEvent) => void;
  readonly onCellEnd?: (timing: CellTiming) => void;
}

/** Publishes kernel messages into nbformat outputs, applying display updates by display_id. */
class OutputCollector {
  /** display_id -> the output objects showing it (in any cell). */
  private readonly displays = new Map<string, Output[]>();
  current: Output[] = [];

  channel(): IopubChannel {
    return { publish: (type, content) => this.add(type, content as Record<string, unknown>) };
  }

  private add(type: string, c: Record<string, unknown>): void {
    const out = this.current;
    switch (type) {
      case 'stream': {
        const name = c['name'] === 'stderr' ? 'stderr' : 'stdout';
        const text = String(c['text'] ?? '');
        const last = out[out.length - 1];
        if (last && last.output_type === 'stream' && last.name === name) last.text = joinText(last.text) + text;
        else out.push({ output_type: 'stream', name, text });
        return;
      }
      case 'display_data': {
        const output: Output = { output_type: 'display_data', data: (c['data'] ?? {}) as Record<string, unknown>, metadata: (c['metadata'] ?? {}) as Record<string, unknown> };
        out.push(output);
        const id = (c['transient'] as { display_id?: string } | undefined)?.display_id;
        if (id) this.displays.set(id, [...(this.displays.get(id) ?? []), output]);
        return;
      }
      case 'update_display_data': {
        const id = (c['transient'] as { display_id?: string } | undefined)?.display_id;
        for (const output of (id && this.displays.get(id)) || []) {
          if (output.output_type === 'display_data') output.data = (c['data'] ?? {}) as Record<string, unknown>;
        }
        return;
      }
      case 'execute_result':
        out.push({ output_type: 'execute_result', execution_count: (c['execution_count'] as number | undefined) ?? null, data: (c['data'] ?? {}) as Record<string, unknown>, metadata: (c['metadata'] ?? {}) as Record<string, unknown> });
        return;
      case 'error':
        out.push({ output_type: 'error', ename: String(c['ename']), evalue: String(c['evalue']), traceback: (c['traceback'] as string[] | undefined) ?? [] });
        return;
      default:
        return; // status, execute_input, clear_output: not part of the stored notebook
    }
  }
}

/**
 * Runs the code cells in order on a fresh kernel; stops at the first failing cell (as
 * `jupyter nbconvert --execute` does), which is reported with its index and error.
 */
export async function executeNotebook(source: Notebook, options: ExecuteOptions): Promise<ExecutionResult> {
  const started = performance.now();
  const notebook: Notebook = JSON.parse(JSON.stringify(source)) as Notebook;
  resolveLibraryFrom(options.dir);
  const kernel = new LatentKernel();
  const collector = new OutputCollector();
  // The kernel sends the process's stdout/stderr to the running (then the last) cell; give them
  // back afterwards so that the caller's own output does not land in the notebook.
  const { write: stdoutWrite } = process.stdout;
  const { write: stderrWrite } = process.stderr;
  const timings: CellTiming[] = [];
  const codeCells = notebook.cells.filter((c) => c.cell_type === 'code').length;
  let failure: CellFailure | undefined;
  let codeIndex = 0;
  try {
    for (let i = 0; i < notebook.cells.length; i++) {
      const cell = notebook.cells[i]!;
      if (cell.cell_type !== 'code') continue;
      const code = cell as CodeCell;
      codeIndex++;
      code.outputs = [];
      code.execution_count = null;
      if (failure) continue;
      const event: CellEvent = { cell: i + 1, codeCell: codeIndex, codeCells, title: cellTitle(cell) };
      options.onCellStart?.(event);
      collector.current = code.outputs;
      const t0 = performance.now();
      const reply = await kernel.execute({ code: joinText(code.source), stop_on_error: true }, collector.channel());
      code.execution_count = reply.execution_count;
      const status = reply.status === 'ok' ? 'ok' : 'error';
      const timing: CellTiming = { ...event, seconds: (performance.now() - t0) / 1000, status };
      timings.push(timing);
      options.onCellEnd?.(timing);
      if (reply.status !== 'ok') {
        const error = code.outputs.find((o): o is ErrorOutput => o.output_type === 'error');
        failure = {
          ...event,
          ename: reply.status === 'error' ? reply.ename : (error?.ename ?? 'Error'),
          evalue: reply.status === 'error' ? reply.evalue : (error?.evalue ?? 'the cell was aborted'),
          traceback: reply.status === 'error' ? reply.traceback : (error?.traceback ?? []),
        };
      }
    }
  } finally {
    collector.current = [];
    kernel.close();
    setDisplaySink(undefined);
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  return { notebook, cells: timings, ...(failure ? { failure } : {}), seconds: (performance.now() - started) / 1000 };
}
