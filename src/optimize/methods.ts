/**
 * Every selection method under one name, applied to one question's pool: which run it outputs,
 * whether that is correct, and the latent steps it needed. Cost accounting: the single run costs
 * its own steps; every other method needs all N runs sampled (LTO included: r_max is taken over
 * every candidate's reward before sampling), so it costs the whole pool.
 */
import { deriveSeed, type Seed } from '../tensor/random.js';
import { poolCost, poolSize, runCost, type QuestionPool } from './candidate-pool.js';
import { ltoSample, type CandidateOrder } from './lto-sampler.js';
import { majorityVote, weightedMajorityVote } from './voting.js';
import { bestByScore, oracleRun, singleRun } from './selection.js';

export const METHOD_NAMES = ['single', 'majority', 'weighted_majority', 'best_of_n', 'coe_r', 'coe_c', 'lto', 'oracle'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export interface MethodOptions {
  /** LTO's beta (> 0). */
  readonly beta: number;
  /** LTO's M (default 1). */
  readonly accept?: number;
  readonly order?: CandidateOrder;
  /** Master seed; each question's LTO draw and random single run use streams derived from it and the question index (default 0). */
  readonly seed?: Seed;
  /** Single-run baseline: a run index (default 0) or 'random' (seeded per question). */
  readonly single?: number | 'random';
  /** Whether higher CoE scores mean "more likely correct" (default true). */
  readonly coeHigherIsBetter?: boolean;
}

export interface MethodOutcome {
  /** The run whose answer is output. */
  readonly run: number;
  readonly correct: boolean;
  /** Latent steps the method needed for this question. */
  readonly latentSteps: number;
  /** LTO only: acceptance tests drawn (candidates examined, counting repeats across passes). */
  readonly acceptanceTests?: number;
}

/** Applies `method` to one question's pool (`question` = its index, for seed derivation). */
export function applyMethod(method: MethodName, pool: QuestionPool, question: number, options: MethodOptions): MethodOutcome {
  const seed = options.seed ?? 0;
  const all = (run: number): MethodOutcome => ({ run, correct: Boolean(pool.correct[run]), latentSteps: poolCost(pool) });
  switch (method) {
    case 'single': {
      const choice = options.single ?? 0;
      const run = singleRun(poolSize(pool), choice === 'random' ? { random: deriveSeed(seed, 'single', question) } : choice);
      return { run, correct: Boolean(pool.correct[run]), latentSteps: runCost(pool, run) };
    }
    case 'majority':
      return all(majorityVote(pool.answers).run);
    case 'weighted_majority':
      return all(weightedMajorityVote(pool.answers, pool.rewards).run);
    case 'best_of_n':
      return all(bestByScore(pool.rewards));
    case 'coe_r':
    case 'coe_c': {
      const scores = method === 'coe_r' ? pool.coeR : pool.coeC;
      if (scores === undefined) throw new Error(`applyMethod: method ${method} needs pool.${method === 'coe_r' ? 'coeR' : 'coeC'} scores for question ${question}`);
      return all(bestByScore(scores, options.coeHigherIsBetter ?? true));
    }
    case 'lto': {
      const sample = ltoSample(pool.rewards, { beta: options.beta, accept: options.accept ?? 1, order: options.order ?? 'given', seed: deriveSeed(seed, 'lto', question) });
      return { ...all(sample.selected), acceptanceTests: sample.tests };
    }
    case 'oracle':
      return all(oracleRun(pool.correct));
    default:
      throw new Error(`applyMethod: unknown method ${JSON.stringify(method)}; expected one of ${METHOD_NAMES.join(', ')}`);
  }
}
