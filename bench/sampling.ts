/**
 * Sampling throughput (issue 4): trajectories per second of `sampleTrajectories` with its default
 * batching (all questions x runs of a batch in one `generate` call) versus without (one question
 * and one run per call). Model: a synthetic random Huginn checkpoint of the embedded default
 * model's shape (h = 96, 4 heads, 1/2/1 prelude/core/coda blocks, intermediate 256, mean
 * recurrence 8) with the task suite's char tokenizer; 8 seeded synthetic questions (math, code,
 * choice) x 8 runs, 8 recurrence steps, 16 new tokens (a random model rarely stops early, so
 * every run generates all 16), mean pooling. The unbatched pass gives each run its own seed.
 *
 * Pooled figure (`pooled` field): the same model, written again to a folder that stays on disk,
 * sampled over POOLED_QUESTIONS questions in batches of POOLED_QUESTIONS_PER_BATCH questions x 8
 * runs (64 rows, the batch of the batched figure above), once in-process and once through a
 * GenerationPool of POOL_WORKERS worker threads (batches generated concurrently); both give the
 * same set (checked bit for bit). One timed repetition each after a warm-up; the 1-minute load
 * average and the CPU seconds of each measurement are recorded, since the machine may be shared
 * (while another job holds a core, two workers cannot beat one thread).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RecurrentDepthModel } from '../src/model/recurrent-depth-model.js';
import { GenerationPool } from '../src/model/generation-pool.js';
import { initBackend } from '../src/tensor/backend.js';
import { CharTokenizer } from '../src/model/tokenizer/char-tokenizer.js';
import { buildDomainSplits } from '../src/tasks/splits.js';
import { TASK_CHARACTERS, type TaskItem } from '../src/tasks/task.js';
import { sampleTrajectories, type SampleOptions } from '../src/thoughts/sample.js';
import type { TrajectorySet } from '../src/thoughts/trajectory-set.js';
import type { Tokenizer } from '../src/model/tokenizer/tokenizer.js';
import { writeSyntheticHuginnCheckpoint, type SyntheticHuginnShape } from '../test/helpers/synthetic-checkpoint.js';

export const QUESTIONS = 8;
export const RUNS = 8;
export const STEPS = 8;
export const NEW_TOKENS = 16;
/** Questions of the pooled comparison: 4 batches of 64 rows. */
export const POOLED_QUESTIONS = 32;
export const POOLED_QUESTIONS_PER_BATCH = 8;
/** Worker threads of the pooled comparison (one per core of the 2-core machine). */
export const POOL_WORKERS = 2;
/** Goal: batching at least doubles the throughput. */
export const GOALS = { batched_speedup_min: 2 };

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface SamplingBenchResult {
  readonly workload: Record<string, unknown>;
  readonly trajectories_per_s_batched: number;
  readonly trajectories_per_s_unbatched: number;
  readonly batched_speedup: number;
  readonly seconds_batched: number;
  readonly seconds_unbatched: number;
  readonly generate_calls: { readonly batched: number; readonly unbatched: number };
  readonly leaked_tensors: number;
  readonly goals: typeof GOALS & { met: { batched_speedup: boolean } };
  readonly pooled: PooledSamplingResult;
}

export interface PooledSamplingResult {
  readonly workload: Record<string, unknown>;
  readonly workers: number;
  readonly backend: string;
  readonly cores: number;
  /** 1-minute load average before and after the measurement (other jobs on the machine). */
  readonly load_average_1min: { readonly before: number; readonly after: number };
  readonly trajectories_per_s_in_process: number;
  readonly trajectories_per_s_pooled: number;
  readonly pooled_speedup: number;
  readonly seconds_in_process: number;
  readonly seconds_pooled: number;
  readonly seconds_pool_open: number;
  /**
   * CPU seconds the process used (all its threads) during each measurement: with one core's
   * worth of CPU or less available (a shared machine), pooled wall time cannot improve, and these
   * show whether the pool did the same work with little overhead.
   */
  readonly cpu_seconds: { readonly in_process: number; readonly pooled: number };
  /** The pooled set equals the in-process one (run table and trajectories bit for bit). */
  readonly identical_to_in_process: boolean;
  readonly leaked_tensors_main_thread: number;
}

function sameSet(a: TrajectorySet, b: TrajectorySet): boolean {
  const bits = (x: Float32Array) => new Uint32Array(x.buffer, x.byteOffset, x.length);
  const x = bits(a.trajectories.data);
  const y = bits(b.trajectories.data);
  return JSON.stringify(a.runs) === JSON.stringify(b.runs) && x.length === y.length && x.every((v, i) => v === y[i]);
}

/** In-process batched sampling versus a GenerationPool, on a checkpoint folder kept for the workers. */
async function benchPooled(shape: SyntheticHuginnShape, tokenizer: Tokenizer, log: (message: string) => void): Promise<PooledSamplingResult> {
  const backend = await initBackend();
  const dir = await mkdtemp(join(tmpdir(), 'lto-bench-pooled-'));
  try {
    await writeSyntheticHuginnCheckpoint(dir, shape, { seed: 3 });
    const model = await RecurrentDepthModel.load(dir);
    let pool: GenerationPool | undefined;
    try {
      const perDomain = Math.ceil(POOLED_QUESTIONS / 3);
      const items = (['math', 'code', 'choice'] as const)
        .flatMap((domain) => buildDomainSplits(domain, { seed: 5, sizes: { train: 1, validation: 1, test: perDomain } }).test)
        .slice(0, POOLED_QUESTIONS);
      const base: SampleOptions = { runs: RUNS, steps: STEPS, seed: 1, maxNewTokens: NEW_TOKENS, pooling: 'mean', questionsPerBatch: POOLED_QUESTIONS_PER_BATCH };
      const load = loadavg()[0]!;
      let t0 = performance.now();
      pool = await GenerationPool.open(dir, { workers: POOL_WORKERS, backend: backend.name });
      const sOpen = (performance.now() - t0) / 1000;
      // Warm-up: one small batch per worker (concurrently, so each worker gets one) and in-process.
      await Promise.all([0, 1].map((i) => sampleTrajectories(model, tokenizer, items.slice(i, i + 1), { ...base, runs: 1, pool })));
      await sampleTrajectories(model, tokenizer, items.slice(0, 1), { ...base, runs: 1 });
      const tensorsBefore = tf.memory().numTensors;

      const cpuSeconds = (since: NodeJS.CpuUsage): number => {
        const used = process.cpuUsage(since);
        return (used.user + used.system) / 1e6;
      };
      log(`sampling ${items.length} questions x ${RUNS} runs in-process ...`);
      t0 = performance.now();
      let cpu0 = process.cpuUsage();
      const local = await sampleTrajectories(model, tokenizer, items, base);
      const sLocal = (performance.now() - t0) / 1000;
      const cpuLocal = cpuSeconds(cpu0);
      log(`sampling ${items.length} questions x ${RUNS} runs with ${POOL_WORKERS} worker threads ...`);
      t0 = performance.now();
      cpu0 = process.cpuUsage();
      const pooled = await sampleTrajectories(model, tokenizer, items, { ...base, pool });
      const sPooled = (performance.now() - t0) / 1000;
      const cpuPooled = cpuSeconds(cpu0);
      const leaked = tf.memory().numTensors - tensorsBefore;
      const perSecondLocal = local.size / sLocal;
      const perSecondPooled = pooled.size / sPooled;
      log(`pooled sampling: ${round(perSecondPooled)} trajectories/s with ${POOL_WORKERS} workers vs ${round(perSecondLocal)} in-process (x${round(perSecondPooled / perSecondLocal)}; CPU s ${round(cpuPooled)} vs ${round(cpuLocal)}; load average ${round(load)})`);
      return {
        workload: {
          questions: items.length,
          runs_per_question: RUNS,
          steps: STEPS,
          max_new_tokens: NEW_TOKENS,
          batches: Math.ceil(items.length / POOLED_QUESTIONS_PER_BATCH),
          rows_per_batch: POOLED_QUESTIONS_PER_BATCH * RUNS,
          mean_generated_tokens: round(local.runs.reduce((sum, r) => sum + r.tokens, 0) / local.size),
        },
        workers: POOL_WORKERS,
        backend: pool.backend,
        cores: availableParallelism(),
        load_average_1min: { before: round(load), after: round(loadavg()[0]!) },
        trajectories_per_s_in_process: round(perSecondLocal),
        trajectories_per_s_pooled: round(perSecondPooled),
        pooled_speedup: round(perSecondPooled / perSecondLocal),
        seconds_in_process: round(sLocal),
        seconds_pooled: round(sPooled),
        seconds_pool_open: round(sOpen),
        cpu_seconds: { in_process: round(cpuLocal), pooled: round(cpuPooled) },
        identical_to_in_process: sameSet(local, pooled),
        leaked_tensors_main_thread: leaked,
      };
    } finally {
      await pool?.close();
      model.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchSampling(log: (message: string) => void = () => undefined): Promise<SamplingBenchResult> {
  const tokenizer = CharTokenizer.fromCharacters(TASK_CHARACTERS);
  const shape: SyntheticHuginnShape = { nEmbd: 96, nHeads: 4, nPrelude: 1, nCore: 2, nCoda: 1, intermediate: 256, vocab: tokenizer.vocabSize, meanRecurrence: STEPS, blockSize: 256 };
  const dir = await mkdtemp(join(tmpdir(), 'lto-bench-sampling-'));
  let model: RecurrentDepthModel;
  try {
    await writeSyntheticHuginnCheckpoint(dir, shape, { seed: 3 });
    model = await RecurrentDepthModel.load(dir);
  } finally {
    // Deleted before timing, so no call spends time fingerprinting the checkpoint files.
    await rm(dir, { recursive: true, force: true });
  }
  try {
    const pool: TaskItem[] = (['math', 'code', 'choice'] as const).flatMap((domain) => buildDomainSplits(domain, { seed: 5, sizes: { train: 1, validation: 1, test: 3 } }).test);
    const items = pool.slice(0, QUESTIONS);
    const base: SampleOptions = { runs: RUNS, steps: STEPS, seed: 1, maxNewTokens: NEW_TOKENS, pooling: 'mean' };
    // Warm-up (kernels, caches): one small unbatched call. The tensor count is taken after it: on
    // tfjs-node the first call builds the model's head-major weight layout, which stays with the model.
    await sampleTrajectories(model, tokenizer, items.slice(0, 1), { ...base, runs: 1 });
    const tensorsBefore = tf.memory().numTensors;

    log(`sampling ${QUESTIONS} questions x ${RUNS} runs, batched ...`);
    let t0 = performance.now();
    const batched = await sampleTrajectories(model, tokenizer, items, base);
    const sBatched = (performance.now() - t0) / 1000;
    const batchedCalls = Math.ceil(items.length / Math.max(1, Math.floor(160 / RUNS)));

    log(`sampling ${QUESTIONS} x ${RUNS}, one question and one run per call ...`);
    t0 = performance.now();
    let unbatchedRuns = 0;
    for (const item of items) {
      for (let run = 0; run < RUNS; run++) {
        const one = await sampleTrajectories(model, tokenizer, [item], { ...base, runs: 1, questionsPerBatch: 1, seed: run });
        unbatchedRuns += one.size;
      }
    }
    const sUnbatched = (performance.now() - t0) / 1000;
    const perSecondBatched = batched.size / sBatched;
    const perSecondUnbatched = unbatchedRuns / sUnbatched;
    return {
      workload: {
        model: { ...shape, tokenizer: `char (${tokenizer.vocabSize} tokens)`, weights: 'synthetic random (seed 3)' },
        questions: items.length,
        runs_per_question: RUNS,
        steps: STEPS,
        max_new_tokens: NEW_TOKENS,
        pooling: 'mean',
        batched: 'sampleTrajectories default batching (questionsPerBatch = floor(160 / runs))',
        unbatched: 'sampleTrajectories per question and run (runs 1, questionsPerBatch 1)',
        mean_generated_tokens: round(batched.runs.reduce((sum, r) => sum + r.tokens, 0) / batched.size),
      },
      trajectories_per_s_batched: round(perSecondBatched),
      trajectories_per_s_unbatched: round(perSecondUnbatched),
      batched_speedup: round(perSecondBatched / perSecondUnbatched),
      seconds_batched: round(sBatched),
      seconds_unbatched: round(sUnbatched),
      generate_calls: { batched: batchedCalls, unbatched: unbatchedRuns },
      leaked_tensors: tf.memory().numTensors - tensorsBefore,
      goals: { ...GOALS, met: { batched_speedup: perSecondBatched / perSecondUnbatched >= GOALS.batched_speedup_min } },
      pooled: await benchPooled(shape, tokenizer, log),
    };
  } finally {
    model.dispose();
  }
}
