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
import { join, resolve } from 'node:path';
import type { BackendChoice, BackendInfo } from '../tensor/backend.js';
import { checkpointFingerprint } from '../io/checkpoint-fingerprint.js';
import type { HuginnConfig } from './config.js';
import type { ModelWorkerInit } from './model-worker-host.js';
import { startModelWorkers, type ModelWorker } from './model-worker.js';
import type { GenerationResult } from './generate.js';
import type { RecurrentDepthModel } from './recurrent-depth-model.js';
import { cloneableOptions, type GenerateReply, type GenerateRequest, type PoolGenerateOptions } from './generation-protocol.js';

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

/** A generation worker thread: whole generate calls in, their results out. */
type GenerationWorker = ModelWorker<GenerateRequest, GenerateReply>;

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
    const source = resolve(modelDir);
    const init: ModelWorkerInit = { modelDir: source, backend: options.backend };
    let pool: GenerationPool | undefined;
    const { workers, info } = await startModelWorkers<GenerateRequest, GenerateReply>('GenerationPool', options.workers, init, (i) => ({
      entry: WORKER_ENTRY,
      name: `generation worker ${i}`,
      pool: 'GenerationPool',
      requestType: 'generate',
      // A worker that becomes idle or fails lets the pool hand out (or reject) queued requests.
      onChange: () => pool?.pump(),
    }));
    try {
      // After the workers, so that a folder that is not a model fails with the model loader's message.
      const fingerprint = await checkpointFingerprint(source);
      pool = new GenerationPool(workers, info.config, info.backend, source, fingerprint);
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
    for (let w = usable.find((u) => u.idle); w && this.queue.length > 0; w = usable.find((u) => u.idle)) {
      const job = this.queue.shift()!;
      w.call(job.request).then(
        (r) => job.resolve({ sequences: [...r.sequences], steps: r.steps, hiddenSize: r.hiddenSize, recorded: [...r.recorded] }),
        (e: Error) => job.reject(e),
      );
    }
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
