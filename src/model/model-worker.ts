/**
 * The main-thread side of one model worker thread, shared by ForwardPool and GenerationPool (the
 * thread side is model-worker-host.ts): the start-up handshake, the requests in flight, and the
 * failure that ends the worker.
 *
 * Failure rules: the first cause is kept (an uncaught exception in the thread raises 'error', then
 * 'exit'), and every request in flight and every later call rejects with it. A request the model
 * refuses rejects alone and the worker carries on. An idle worker does not keep the process alive
 * (a pool that is never closed must not hang it); a busy one does, until it answers.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { BackendInfo } from '../tensor/backend.js';
import type { HuginnConfig } from './config.js';
import type { ModelWorkerInit } from './model-worker-host.js';

/** What a worker reports once it has loaded the model. */
export interface ModelWorkerInfo {
  readonly config: HuginnConfig;
  readonly backend: BackendInfo['name'];
}

/** Messages a model worker thread sends (model-worker-host.ts); `Result` is the request type's reply. */
export type FromModelWorker<Result extends { readonly type: 'result'; readonly id: number }> =
  | ({ readonly type: 'ready' } & ModelWorkerInfo)
  | { readonly type: 'init-error'; readonly message: string }
  | Result
  | { readonly type: 'error'; readonly id: number; readonly message: string };

export interface ModelWorkerOptions {
  /** Compiled worker entry file. */
  readonly entry: string;
  /** The worker's name in error messages, e.g. "forward worker 1". */
  readonly name: string;
  /** The owning pool's class name, for the error of calls cut short by close(). */
  readonly pool: string;
  /** The `type` field of request messages. */
  readonly requestType: string;
  /** What an unexpected exit adds to its error (e.g. what the caller should do next). */
  readonly exitAdvice?: string;
  /** Called after a request settles and when the worker first fails, so the pool can hand out work. */
  readonly onChange?: () => void;
}

interface Pending<Result> {
  resolve(reply: Result): void;
  reject(error: Error): void;
}

export class ModelWorker<Request, Result extends { readonly type: 'result'; readonly id: number }> {
  /** Resolves when the worker has loaded the model (rejects if it cannot). */
  readonly ready: Promise<ModelWorkerInfo>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending<Result>>();
  private nextId = 0;
  private failed: Error | undefined;
  private closing = false;
  private exited = false;
  private loaded = false;
  private readyCallbacks!: { resolve(info: ModelWorkerInfo): void; reject(error: Error): void };

  constructor(
    init: ModelWorkerInit,
    private readonly options: ModelWorkerOptions,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.readyCallbacks = { resolve, reject };
    });
    // A pool may give up on this worker before awaiting it (another failed first); its failure
    // then reaches nobody and must not become an unhandled rejection.
    this.ready.catch(() => undefined);
    const { name } = options;
    this.worker = new Worker(options.entry, { workerData: init });
    this.worker.on('message', (message: FromModelWorker<Result>) => this.receive(message));
    this.worker.on('messageerror', (e: Error) => this.fail(new Error(`${name}: a message could not be decoded (${e.message})`)));
    this.worker.on('error', (e: Error) => this.fail(new Error(`${name} crashed: ${e.message}`)));
    this.worker.on('exit', (code: number) => {
      this.exited = true;
      const advice = options.exitAdvice ? `; ${options.exitAdvice}` : '';
      this.fail(new Error(this.closing ? `${options.pool} has been closed` : `${name} exited unexpectedly (code ${code})${advice}`));
    });
  }

  /** The error that made the worker unusable, if any. */
  get failure(): Error | undefined {
    return this.failed;
  }

  /** Loaded, alive and with no request in flight. */
  get idle(): boolean {
    return this.loaded && !this.failed && this.pending.size === 0;
  }

  /** Whether the thread is still running (it may still have failed to load the model). */
  get running(): boolean {
    return !this.exited;
  }

  private receive(message: FromModelWorker<Result>): void {
    switch (message.type) {
      case 'ready':
        this.loaded = true;
        this.worker.unref();
        this.readyCallbacks.resolve({ config: message.config, backend: message.backend });
        return;
      case 'init-error':
        this.fail(new Error(message.message));
        return;
      default: {
        // 'result' or 'error' of a request.
        const p = this.pending.get(message.id);
        if (!p) return; // already rejected by a failure
        this.pending.delete(message.id);
        if (this.pending.size === 0) this.worker.unref();
        if (message.type === 'error') p.reject(new Error((message as { message: string }).message));
        else p.resolve(message as Result);
        this.options.onChange?.();
      }
    }
  }

  private fail(error: Error): void {
    const first = this.failed === undefined;
    this.failed ??= error;
    this.readyCallbacks.reject(this.failed); // no effect once ready
    for (const p of this.pending.values()) p.reject(this.failed);
    this.pending.clear();
    if (first) this.options.onChange?.();
  }

  /** Sends one request; resolves with the worker's result or rejects with its error or failure. */
  call(request: Request): Promise<Result> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ type: this.options.requestType, id, request });
      } catch (e) {
        // Not sent (e.g. a value that cannot be cloned): forget the call, keep the worker.
        this.pending.delete(id);
        if (this.pending.size === 0) this.worker.unref();
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  async terminate(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

/**
 * Starts `count` workers (default: one per core) and waits until every one has loaded the model.
 * If any fails, or they chose different backends, terminates them all and rejects.
 */
export async function startModelWorkers<Request, Result extends { readonly type: 'result'; readonly id: number }>(
  pool: string,
  count: number | undefined,
  init: ModelWorkerInit,
  optionsOf: (index: number) => ModelWorkerOptions,
): Promise<{ workers: ModelWorker<Request, Result>[]; info: ModelWorkerInfo }> {
  const n = count ?? availableParallelism();
  if (!Number.isInteger(n) || n < 1) throw new Error(`${pool}: workers must be a positive integer, got ${n}`);
  const workers: ModelWorker<Request, Result>[] = [];
  try {
    for (let i = 0; i < n; i++) workers.push(new ModelWorker<Request, Result>(init, optionsOf(i)));
    const infos = await Promise.all(workers.map((w) => w.ready));
    const backends = new Set(infos.map((i) => i.backend));
    // Workers choose by the same rules; a mix would break the equality with one process.
    if (backends.size !== 1) throw new Error(`${pool}: the workers initialised different backends (${[...backends].join(', ')}); pass options.backend`);
    return { workers, info: infos[0]! };
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
}
