/**
 * A pool of worker threads that run whole `generate` calls in parallel.
 *
 * Why: in Node the wasm backend runs on one thread, so sampling trajectory sets and evaluating
 * accuracy (thousands of runs, each tens of tokens x T recurrence steps) use one core however many
 * there are. Every worker of the pool initialises its own backend and loads its own copy of the
 * model folder once; each request (one batch of prompts x runs) is run whole by one worker, with
 * exactly the options the main thread would pass to `generate`, so its result is bit-identical to
 * the in-process call on the same backend. Parallelism is across requests: callers with many
 * batches (sampleTrajectories, evaluateAccuracy with `{ pool }`) keep all workers busy. Meant for
 * the small models that fit several times in memory, not for Huginn-3.5B.
 *
 * Requests wait in one queue and go to whichever worker is idle. A request the model refuses
 * rejects with the model's message and the pool carries on; a worker that crashes or exits rejects
 * its request with the cause and the remaining workers carry on (`running` tells how many are
 * left; with none, every call rejects). close() terminates the workers and rejects whatever is
 * pending; it is idempotent.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { BackendChoice, BackendInfo } from '../tensor/backend.js';
import { checkpointFingerprint } from '../io/checkpoint-fingerprint.js';
import type { HuginnConfig } from './config.js';
import type { GenerationResult } from './generate.js';
import type { RecurrentDepthModel } from './recurrent-depth-model.js';
import { cloneableOptions, type FromGenerationWorker, type GenerateRequest, type GenerationWorkerInit, type PoolGenerateOptions, type ToGenerationWorker } from './generation-protocol.js';

export type { PoolGenerateOptions } from './generation-protocol.js';

/** The compiled worker entry, next to this file in dist/. */
const WORKER_ENTRY = join(__dirname, 'generation-worker.js');

export interface GenerationPoolOptions {
  /** Worker threads (default: os.availableParallelism(), one per core). */
  readonly workers?: number;
  /** Backend of every worker (default: chosen as in the main thread, by LTO_BACKEND or auto). */
  readonly backend?: BackendChoice;
}

/** A request waiting for, or running on, a worker. */
interface Job {
  readonly request: GenerateRequest;
  resolve(result: GenerationResult): void;
  reject(error: Error): void;
  /** Set when its caller no longer wants it: a job still queued is then dropped. */
  cancelled: boolean;
}

interface WorkerInfo {
  readonly config: HuginnConfig;
  readonly backend: BackendInfo['name'];
}

/** One worker thread: its start-up handshake and the one job it runs at a time. */
class GenerationWorker {
  /** Resolves when the worker has loaded the model (rejects if it cannot). */
  readonly ready: Promise<WorkerInfo>;
  private readonly worker: Worker;
  private nextId = 0;
  private current: { id: number; job: Job } | undefined;
  /** Set once the worker is unusable. */
  failure: Error | undefined;
  private closing = false;
  private exited = false;
  private loaded = false;
  private readyCallbacks!: { resolve(info: WorkerInfo): void; reject(error: Error): void };

  constructor(
    readonly index: number,
    init: GenerationWorkerInit,
    /** Called when the worker becomes idle or unusable (the pool then hands out the next job). */
    private readonly onChange: () => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.readyCallbacks = { resolve, reject };
    });
    // open() may give up on this worker before awaiting it; its failure must not go unhandled.
    this.ready.catch(() => undefined);
    this.worker = new Worker(WORKER_ENTRY, { workerData: init });
    this.worker.on('message', (message: FromGenerationWorker) => this.receive(message));
    this.worker.on('messageerror', (e: Error) => this.fail(new Error(`generation worker ${index}: a message could not be decoded (${e.message})`)));
    // An uncaught exception in the worker: 'error' comes first, then 'exit'; the first cause is kept.
    this.worker.on('error', (e: Error) => this.fail(new Error(`generation worker ${index} crashed: ${e.message}`)));
    this.worker.on('exit', (code: number) => {
      this.exited = true;
      this.fail(new Error(this.closing ? 'GenerationPool has been closed' : `generation worker ${index} exited unexpectedly (code ${code})`));
    });
  }

  /** Loaded, alive and not running a job. */
  get idle(): boolean {
    return this.loaded && !this.failure && this.current === undefined;
  }

  /** Whether the thread is still running (it may still have failed to load the model). */
  get running(): boolean {
    return !this.exited;
  }

  private receive(message: FromGenerationWorker): void {
    switch (message.type) {
      case 'ready':
        this.loaded = true;
        // Idle workers must not keep the process alive (a pool that is never closed would hang it).
        this.worker.unref();
        this.readyCallbacks.resolve({ config: message.config, backend: message.backend });
        return;
      case 'init-error':
        this.fail(new Error(message.message));
        return;
      case 'result':
      case 'error': {
        const running = this.current;
        if (!running || running.id !== message.id) return; // already rejected by a failure
        this.current = undefined;
        this.worker.unref();
        if (message.type === 'result') running.job.resolve({ sequences: [...message.sequences], steps: message.steps, hiddenSize: message.hiddenSize, recorded: [...message.recorded] });
        else running.job.reject(new Error(message.message));
        this.onChange();
        return;
      }
    }
  }

  private fail(error: Error): void {
    const first = this.failure === undefined;
    this.failure ??= error;
    this.readyCallbacks.reject(this.failure); // no effect once ready
    const running = this.current;
    this.current = undefined;
    running?.job.reject(this.failure);
    if (first) this.onChange();
  }

  /** Starts a job on this (idle) worker; a request that cannot be sent rejects its job at once. */
  start(job: Job): void {
    const id = this.nextId++;
    const message: ToGenerationWorker = { type: 'generate', id, request: job.request };
    this.current = { id, job };
    this.worker.ref(); // a busy worker keeps the process alive until it answers
    try {
      this.worker.postMessage(message);
    } catch (e) {
      // Not sent (a value that cannot be cloned): reject the job, keep the worker.
      this.current = undefined;
      this.worker.unref();
      job.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  async terminate(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

export class GenerationPool {
  private readonly queue: Job[] = [];
  private closed = false;

  private constructor(
    private readonly workers: readonly GenerationWorker[],
    /** The model's configuration (as loaded by the workers). */
    readonly config: HuginnConfig,
    /** The workers' backend (`wasm`, `cpu`, `node`, ...). */
    readonly backend: BackendInfo['name'],
    /** The model folder the workers loaded (absolute). */
    readonly source: string,
    /** checkpointFingerprint of that folder when the pool was opened. */
    readonly fingerprint: string,
  ) {}

  /** Starts the workers and loads the model folder in each; rejects (with no worker left running) if any fails. */
  static async open(modelDir: string, options: GenerationPoolOptions = {}): Promise<GenerationPool> {
    const count = options.workers ?? availableParallelism();
    if (!Number.isInteger(count) || count < 1) throw new Error(`GenerationPool: workers must be a positive integer, got ${count}`);
    const source = resolve(modelDir);
    const init: GenerationWorkerInit = { modelDir: source, backend: options.backend };
    const workers: GenerationWorker[] = [];
    let pool: GenerationPool | undefined;
    try {
      for (let i = 0; i < count; i++) workers.push(new GenerationWorker(i, init, () => pool?.pump()));
      const infos = await Promise.all(workers.map((w) => w.ready));
      const backends = new Set(infos.map((i) => i.backend));
      // Workers choose by the same rules; a mix would break the equality with one process.
      if (backends.size !== 1) throw new Error(`GenerationPool: the workers initialised different backends (${[...backends].join(', ')}); pass options.backend`);
      const fingerprint = await checkpointFingerprint(source);
      pool = new GenerationPool(workers, infos[0]!.config, infos[0]!.backend, source, fingerprint);
      return pool;
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
  }

  /** Number of worker threads the pool was opened with. */
  get size(): number {
    return this.workers.length;
  }

  /** Worker threads still running (all of them while the pool is healthy; none after close()). */
  get running(): number {
    return this.workers.filter((w) => w.running).length;
  }

  /**
   * Refuses a model the pool does not stand for: its source must be a checkpoint folder with the
   * fingerprint of the pool's folder (a copy of the folder is fine) and the same configuration.
   * `fingerprint` is the model folder's, when the caller has already computed it.
   */
  async checkModel(model: RecurrentDepthModel, caller: string, fingerprint?: string): Promise<void> {
    let theirs = fingerprint;
    if (theirs === undefined) {
      try {
        theirs = await checkpointFingerprint(model.source);
      } catch (e) {
        throw new Error(`${caller}: the model's source "${model.source}" is not a checkpoint folder, so a GenerationPool cannot stand in for it (${(e as Error).message})`);
      }
    }
    if (theirs !== this.fingerprint) {
      throw new Error(`${caller}: the GenerationPool was opened on ${this.source} (${this.fingerprint}), not on the model's folder ${model.source} (${theirs}); open the pool on the same folder`);
    }
    if (JSON.stringify(model.config) !== JSON.stringify(this.config)) throw new Error(`${caller}: the model's configuration differs from the one the GenerationPool's workers loaded from ${this.source}`);
  }

  /**
   * Runs `generate(model, prompts, options)` on an idle worker (after the requests queued before
   * it). Rejects with the model's message when the request is invalid, and with the cause when
   * the worker dies or the pool is closed.
   */
  generate(prompts: readonly (readonly number[])[], options: PoolGenerateOptions): Promise<GenerationResult> {
    return this.submit({ prompts: prompts.map((p) => [...p]), options: cloneableOptions(options) }).promise;
  }

  /**
   * Runs the requests with at most `window` (default twice the workers) queued or running at once
   * and yields their results in request order. Leaving the loop early (break, an exception)
   * drops the requests not yet started; those already running finish and are discarded.
   */
  async *generateInOrder(requests: readonly GenerateRequest[], window = 2 * this.size): AsyncGenerator<GenerationResult, void, undefined> {
    if (!Number.isInteger(window) || window < 1) throw new Error(`GenerationPool: window must be a positive integer, got ${window}`);
    const inFlight: { promise: Promise<GenerationResult>; job: Job }[] = [];
    let next = 0;
    try {
      while (next < requests.length || inFlight.length > 0) {
        while (next < requests.length && inFlight.length < window) {
          const r = requests[next++]!;
          const submitted = this.submit({ prompts: r.prompts.map((p) => [...p]), options: cloneableOptions(r.options) });
          // A later request may fail while an earlier one is awaited: its rejection is delivered
          // in turn below, and must not count as unhandled in the meantime.
          submitted.promise.catch(() => undefined);
          inFlight.push(submitted);
        }
        yield await inFlight.shift()!.promise;
      }
    } finally {
      for (const f of inFlight) f.job.cancelled = true;
      this.pump();
    }
  }

  private submit(request: GenerateRequest): { promise: Promise<GenerationResult>; job: Job } {
    let job!: Job;
    const promise = new Promise<GenerationResult>((resolve, reject) => {
      job = { request, resolve, reject, cancelled: false };
    });
    if (this.closed) job.reject(new Error('GenerationPool: generate after close()'));
    else {
      this.queue.push(job);
      this.pump();
    }
    return { promise, job };
  }

  /** Hands queued jobs to idle workers; with no usable worker left, rejects them all. */
  private pump(): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const job = this.queue[i]!;
      if (job.cancelled) {
        this.queue.splice(i, 1);
        job.reject(new Error('GenerationPool: request cancelled'));
      }
    }
    if (this.closed) return;
    const usable = this.workers.filter((w) => !w.failure);
    if (usable.length === 0) {
      const causes = [...new Set(this.workers.map((w) => w.failure!.message))].join('; ');
      for (const job of this.queue.splice(0)) job.reject(new Error(`GenerationPool: no worker left (${causes}); close the pool and open a new one`));
      return;
    }
    for (let w = usable.find((u) => u.idle); w && this.queue.length > 0; w = usable.find((u) => u.idle)) w.start(this.queue.shift()!);
  }

  /** Terminates the workers; queued and running requests reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = new Error('GenerationPool has been closed');
    for (const job of this.queue.splice(0)) job.reject(closedError);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
