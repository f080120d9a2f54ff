/**
 * The execution core of the Latent Thinking kernel, independent of ZeroMQ: runs execute requests
 * one at a time on tslab's executor and publishes their outputs through an IOPub channel.
 *
 * What differs from tslab's own handler (JupyterHandlerImpl):
 * - a cell's last value that implements the display protocol becomes ONE `execute_result`
 *   carrying every MIME type of its bundle (tslab console.logs it as a stdout stream); other
 *   values keep tslab's plain-text behaviour;
 * - `display(value)` (global in cells, and exported by the library) sends `display_data` with a
 *   display_id, and its handle sends `update_display_data`;
 * - a failing cell produces an `error` output (ename, evalue, traceback) and an error reply that
 *   carries them (tslab only prints to stderr);
 * - after an error, queued requests are aborted only if the failed request asked for it
 *   (`stop_on_error`, true by default); tslab aborted every request arriving within 200 ms even
 *   with `stop_on_error: false`, so nbclient with allow_errors got the next cell back empty.
 */
import { performance } from 'node:perf_hooks';
import * as tslabJupyter from 'tslab/dist/jupyter';
import { createExecutor, type Executor } from 'tslab/dist/executor';
import { bundleOf, isDisplayable, type MimeBundle } from '../display/protocol.js';
import { display, isDisplayHandle, setDisplaySink, type DisplaySink } from '../display/display.js';
import { CellConverters } from './cell-converters.js';
import { CellErrors, type ErrorContent } from './cell-errors.js';

/** Publishes a message (msg_type + content) on IOPub as a child of the request being served. */
export interface IopubChannel {
  publish(msgType: string, content: object): void;
}

/** The fields of an execute_request the kernel uses. */
export interface ExecuteRequestContent {
  readonly code: string;
  readonly silent?: boolean;
  readonly store_history?: boolean;
  readonly stop_on_error?: boolean;
}

export type ExecuteReplyContent =
  | { status: 'ok'; execution_count: number; payload: never[]; user_expressions: Record<string, never> }
  | ({ status: 'error'; execution_count: number } & ErrorContent)
  | { status: 'aborted'; execution_count: number };

/**
 * After a failed request with stop_on_error, requests that arrive within this many milliseconds
 * are aborted too. A front end's "run all" sends every cell at once, but requests still sitting
 * in ZeroMQ's buffers while a cell runs synchronously have not reached the queue yet when it
 * fails; this window catches them (the value tslab used).
 */
export const ABORT_WINDOW_MS = 200;

/** The state of the request being executed, read by the executor's console and the sink. */
interface RunningCell {
  readonly iopub: IopubChannel;
  readonly executionCount: number;
  readonly silent: boolean;
  readonly errors: CellErrors;
}

/** Binary representations (images) travel as base64 text in Jupyter's JSON messages. */
function jsonBundle(bundle: MimeBundle): MimeBundle {
  const out: MimeBundle = {};
  for (const [type, value] of Object.entries(bundle)) out[type] = value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
  return out;
}

export interface LatentKernelOptions {
  /** Clock in milliseconds, for the abort window (tests pass a fake one). */
  readonly now?: () => number;
  /**
   * Send the process's stdout/stderr to the running cell (default true). Tests running the
   * kernel in-process turn it off: the test runner reports through the same stdout.
   */
  readonly captureProcessOutput?: boolean;
}

export class LatentKernel {
  readonly executor: Executor;
  private readonly converters: CellConverters;
  private readonly now: () => number;
  private readonly captureProcessOutput: boolean;
  private queue: Promise<unknown> = Promise.resolve();
  private executionCount = 0;
  /** Requests that arrived before this time are aborted (see ABORT_WINDOW_MS). */
  private abortArrivalsBefore = -Infinity;
  private running: RunningCell | undefined;
  /** Where output goes after a cell finished (Jupyter convention: to the last cell). */
  private lastIopub: IopubChannel | undefined;

  /**
   * Cells resolve modules from the working directory (the notebook's folder, where Jupyter starts
   * the kernel): tslab's compiler always uses it, so the executor does too.
   */
  constructor(options: LatentKernelOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.captureProcessOutput = options.captureProcessOutput ?? true;
    this.converters = new CellConverters((diagnostics) => this.running?.errors.addDiagnostics(diagnostics));
    // Creating the converter takes several hundred milliseconds; do it before the first cell.
    void this.converters.node;
    this.executor = createExecutor(process.cwd(), this.converters, {
      log: (...args: unknown[]) => this.showLastValue(args),
      error: (...args: unknown[]) => {
        if (this.running) this.running.errors.report(args);
        else console.error(...args);
      },
    });
    setDisplaySink(this.sink);
    // `display` is declared for cells as a global (CELL_GLOBALS) and defined twice: tslab compiles
    // a cell's references to names declared before it into reads of its locals object, and
    // modules the cells import see the real global.
    (globalThis as Record<string, unknown>)['display'] = display;
    this.executor.locals['display'] = display;
  }

  /** display() and display handles publish through the current (or last) cell. */
  readonly sink: DisplaySink = {
    show: (bundle, displayId) => this.publish('display_data', { data: jsonBundle(bundle), metadata: {}, transient: { display_id: displayId } }),
    update: (bundle, displayId) => this.publish('update_display_data', { data: jsonBundle(bundle), metadata: {}, transient: { display_id: displayId } }),
  };

  /** Queues an execute request; resolves to the content of its execute_reply. */
  execute(request: ExecuteRequestContent, iopub: IopubChannel): Promise<ExecuteReplyContent> {
    const arrivedAt = this.now();
    const result = this.queue.then(() => this.run(request, iopub, arrivedAt));
    // The queue continues after failures; each caller gets its own result.
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Stops the running cell (SIGINT: synchronous code is broken by vm, async code here). */
  interrupt(): void {
    this.executor.interrupt();
  }

  close(): void {
    this.executor.close();
  }

  private publish(msgType: string, content: object): void {
    (this.running?.iopub ?? this.lastIopub)?.publish(msgType, content);
  }

  private async run(request: ExecuteRequestContent, iopub: IopubChannel, arrivedAt: number): Promise<ExecuteReplyContent> {
    if (arrivedAt < this.abortArrivalsBefore) return { status: 'aborted', execution_count: this.executionCount };
    const silent = request.silent === true;
    if (!silent && request.store_history !== false) this.executionCount++;
    const cell: RunningCell = { iopub, executionCount: this.executionCount, silent, errors: new CellErrors() };
    this.running = cell;
    this.lastIopub = iopub;
    if (this.captureProcessOutput) this.routeOutput(iopub);
    let ok: boolean;
    try {
      ok = await this.executor.execute(request.code);
    } catch (e) {
      // The executor catches the cell's own errors; this is a failure of the compiler itself.
      cell.errors.report([e]);
      ok = false;
    } finally {
      this.running = undefined;
    }
    if (ok) {
      // Messages printed without failing the cell (diagnostics of a `%module` cell) stay visible.
      for (const message of cell.errors.printed) process.stderr.write(`${message}\n`);
      return { status: 'ok', execution_count: cell.executionCount, payload: [], user_expressions: {} };
    }
    const error = cell.errors.content();
    iopub.publish('error', error);
    if (request.stop_on_error !== false) this.abortArrivalsBefore = this.now() + ABORT_WINDOW_MS;
    return { status: 'error', execution_count: cell.executionCount, ...error };
  }

  /**
   * The executor passes a cell's last value to `log`: display-protocol objects become one rich
   * result, display handles (from a trailing `display(x)`) are not printed again, anything else
   * is printed as tslab does.
   */
  private showLastValue(args: unknown[]): void {
    const [value] = args;
    if (args.length === 1 && isDisplayable(value)) {
      const cell = this.running;
      if (cell && !cell.silent) cell.iopub.publish('execute_result', { execution_count: cell.executionCount, data: jsonBundle(bundleOf(value)), metadata: {} });
      return;
    }
    if (args.length === 1 && isDisplayHandle(value)) return;
    console.log(...args);
  }

  /**
   * stdout/stderr (console.log, library warnings) become stream outputs of this cell, and stay
   * attached to it after it finishes, like tslab and ipykernel do for background output. tslab's
   * own display API (`import * as tslab from 'tslab'`) is pointed at this cell too.
   */
  private routeOutput(iopub: IopubChannel): void {
    const streamWriter = (name: 'stdout' | 'stderr') =>
      ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown): boolean => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        iopub.publish('stream', { name, text });
        const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
        if (typeof done === 'function') (done as () => void)();
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = streamWriter('stdout');
    process.stderr.write = streamWriter('stderr');
    // tslab's public display helpers read this module variable at call time.
    Object.assign(tslabJupyter, {
      lastWriteDisplayData: (data: object, update: boolean) => iopub.publish(update ? 'update_display_data' : 'display_data', data),
    });
  }
}
