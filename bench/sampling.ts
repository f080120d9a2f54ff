/**
 * Sampling throughput (issue 4): trajectories per second of `sampleTrajectories` with its default
 * batching (all questions x runs of a batch in one `generate` call) versus without (one question
 * and one run per call). Model: a synthetic random Huginn checkpoint of the embedded default
 * model's shape (h = 96, 4 heads, 1/2/1 prelude/core/coda blocks, intermediate 256, mean
 * recurrence 8) with the task suite's char tokenizer; 8 seeded synthetic questions (math, code,
 * choice) x 8 runs, 8 recurrence steps, 16 new tokens (a random model rarely stops early, so
 * every run generates all 16), mean pooling. The unbatched pass gives each run its own seed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RecurrentDepthModel } from '../src/model/recurrent-depth-model.js';
import { CharTokenizer } from '../src/model/tokenizer/char-tokenizer.js';
import { buildDomainSplits } from '../src/tasks/splits.js';
import { TASK_CHARACTERS, type TaskItem } from '../src/tasks/task.js';
import { sampleTrajectories, type SampleOptions } from '../src/thoughts/sample.js';
import { writeSyntheticHuginnCheckpoint, type SyntheticHuginnShape } from '../test/helpers/synthetic-checkpoint.js';

export const QUESTIONS = 8;
export const RUNS = 8;
export const STEPS = 8;
export const NEW_TOKENS = 16;
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
    const tensorsBefore = tf.memory().numTensors;

    // Warm-up (kernels, caches): one small unbatched call.
    await sampleTrajectories(model, tokenizer, items.slice(0, 1), { ...base, runs: 1 });

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
    };
  } finally {
    model.dispose();
  }
}
