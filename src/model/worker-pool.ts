/**
 * A pool of worker threads that shards a batched forward pass across the cores.
 *
 * Why: in Node the wasm backend runs on one thread (tfjs disables its threaded build there), so a
 * batch of R runs of a prompt is computed on one core however many there are. The pool gives every
 * worker its own backend and its own copy of the model and hands each a contiguous share of the
 * batch's rows. It is meant for the small models that fit many times in memory (the synthetic and
 * trained-here sizes), not for Huginn-3.5B.
 *
 * Exactness: row i of a batch seeded `seed` always starts from the state drawn from
 * deriveSeed(seed, 'row', i) (see InitialStateSampler), so each worker is given the seeds of its
 * rows and the result is bit-identical to `model.forward(ids, { runs, seed, ... })` in one process
 * on wasm (the tests' backend). Not always on tfjs-node: there the last bits depend on how many
 * rows a call holds (which kernel does it was not pinned down; a plain matMul does not).
 * Measured 2026-11-30 on the default model (48-token prompt, 16 steps): one worker taking all 20
 * rows matches the main thread bit for bit, and so do basic ops in a worker thread; two workers
 * of 10 rows differ in the last bit in 210 of 1920 latent.0 values, and two workers of 1 row
 * (matMulRows's batched path) in latent.16. The prelude still runs once per prompt within each
 * worker.
 */
import { join } from 'node:path';
import type { BackendChoice, BackendInfo } from '../tensor/backend.js';
import type { Seed } from '../tensor/random.js';
import type { HuginnConfig } from './config.js';
import { InitialStateSampler } from './initial-state.js';
import { checkForwardShape, type PositionSelection } from './recurrent-depth-model.js';
import type { TestTimeNoise } from './test-time-noise.js';
import { concatRows, type ChunkRequest, type ChunkResult, type ChunkSegment, type PlainTensor } from './forward-protocol.js';
import type { ModelWorkerInit } from './model-worker-host.js';
import { startModelWorkers, type ModelWorker } from './model-worker.js';

/** The compiled worker entry, next to this file in dist/. */
const WORKER_ENTRY = join(__dirname, 'forward-worker.js');

export interface ForwardPoolOptions {
  /** Worker threads (default: os.availableParallelism(), one per core). */
  readonly workers?: number;
  /** Backend of every worker (default: chosen as in the main thread, by LTO_BACKEND or auto). */
  readonly backend?: BackendChoice;
}

/** The subset of ForwardOptions a pooled forward supports (no caches, masks or explicit states). */
export interface PoolForwardOptions {
  /** Recurrence steps T (default: the config's mean_recurrence). */
  readonly steps?: number;
  /** Runs per prompt: output row b * runs + r is run r of prompt b. Default 1. */
  readonly runs?: number;
  /** Seed of the initial states; row i uses deriveSeed(seed, 'row', i), as in forward. Default 0. */
  readonly seed?: Seed;
  /** Multiplier of the initial-state std. Default 1. */
  readonly initScale?: number;
  /** Noise before every recurrence step (default: the config's). */
  readonly noise?: TestTimeNoise;
  /** Names to record (`latent.*`, `state.0`, `logits.3`, ...). */
  readonly record?: readonly string[];
  /** Positions at which records are taken. Default 'last'. */
  readonly positions?: PositionSelection;
  /** Positions of the final logits ('none' skips the coda). Default 'last'. */
  readonly logits?: PositionSelection | 'none';
}

/** A tensor's values and shape, row-major, copied out of a worker's backend. */
export type PoolTensor = PlainTensor;

export interface PoolForwardResult {
  /** Final logits [rows, P, vocab], or undefined with logits: 'none'. */
  readonly logits: PoolTensor | undefined;
  /** Records by canonical name, each [rows, P, width]. */
  readonly records: Map<string, PoolTensor>;
}

/** A forward worker thread: chunk requests in, chunk results out. */
type ForwardWorker = ModelWorker<ChunkRequest, ChunkResult>;

/** A contiguous range of batch rows [start, end). */
interface RowRange {
  readonly start: number;
  readonly end: number;
}

/** Splits `rows` into at most `parts` contiguous ranges whose sizes differ by at most one. */
export function splitRows(rows: number, parts: number): RowRange[] {
  const n = Math.min(rows, parts);
  const base = Math.floor(rows / n);
  const extra = rows % n;
  const ranges: RowRange[] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + base + (i < extra ? 1 : 0);
    ranges.push({ start, end });
    start = end;
  }
  return ranges;
}

/** The prompts (and how many of their runs) that rows [start, end) of a batch cover. */
function segmentsOf(ids: readonly (readonly number[])[], runs: number, range: RowRange): ChunkSegment[] {
  const segments: ChunkSegment[] = [];
  for (let b = Math.floor(range.start / runs); b * runs < range.end; b++) {
    const from = Math.max(range.start, b * runs);
    const to = Math.min(range.end, (b + 1) * runs);
    segments.push({ ids: ids[b]!, runs: to - from });
  }
  return segments;
}

export class ForwardPool {
  private closed = false;

  private constructor(
    private readonly workers: readonly ForwardWorker[],
    /** The model's configuration (as loaded by the workers). */
    readonly config: HuginnConfig,
    /** The workers' backend (`wasm`, `cpu`, `node`, ...). */
    readonly backend: BackendInfo['name'],
  ) {}

  /** Starts the workers and loads the model in each; rejects (with no worker left running) if any fails. */
  static async open(modelDir: string, options: ForwardPoolOptions = {}): Promise<ForwardPool> {
    const init: ModelWorkerInit = { modelDir, backend: options.backend };
    const { workers, info } = await startModelWorkers<ChunkRequest, ChunkResult>('ForwardPool', options.workers, init, (i) => ({
      entry: WORKER_ENTRY,
      name: `forward worker ${i}`,
      pool: 'ForwardPool',
      requestType: 'forward',
      exitAdvice: 'close the pool and open a new one',
    }));
    return new ForwardPool(workers, info.config, info.backend);
  }

  /** Number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  /** Worker threads still running (all of them while the pool is healthy; none after close()). */
  get running(): number {
    return this.workers.filter((w) => w.running).length;
  }

  /**
   * Runs `runs` runs of each prompt (rows b * runs + r), split into contiguous row ranges, one per
   * worker; the results are concatenated in row order. Rejects with the model's message when the
   * request is invalid, and with the cause when a worker dies; the pool stays usable after a
   * rejected request (not after a dead worker).
   */
  async forward(ids: readonly (readonly number[])[], options: PoolForwardOptions = {}): Promise<PoolForwardResult> {
    if (this.closed) throw new Error('ForwardPool: forward after close()');
    // Checked here, with the model's own check, so that errors name rows of the whole batch.
    const { batch, runs } = checkForwardShape(this.config, ids, options);
    const rows = batch * runs;
    const rowSeeds = InitialStateSampler.rowSeeds(options.seed ?? 0, rows);
    const ranges = splitRows(rows, this.workers.length);
    const replies = await Promise.all(
      ranges.map((range, w) =>
        this.workers[w]!.call({
          segments: segmentsOf(ids, runs, range),
          rowSeeds: rowSeeds.slice(range.start, range.end),
          steps: options.steps,
          initScale: options.initScale,
          noise: options.noise,
          record: options.record,
          positions: options.positions,
          logits: options.logits,
        }),
      ),
    );
    const records = new Map<string, PoolTensor>();
    for (const [name] of replies[0]!.records) {
      const parts = replies.map((r) => {
        const found = r.records.find(([n]) => n === name);
        if (!found) throw new Error(`ForwardPool: worker result lacks record ${name}`);
        return found[1];
      });
      records.set(name, concatRows(parts, name));
    }
    const logitParts = replies.map((r) => r.logits).filter((l): l is PlainTensor => l !== undefined);
    if (logitParts.length !== 0 && logitParts.length !== replies.length) throw new Error('ForwardPool: only some workers returned logits');
    const logits = logitParts.length ? concatRows(logitParts, 'logits') : undefined;
    return { logits, records };
  }

  /** Terminates the workers; pending calls reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
