/**
 * Accuracy as a function of the pool size N and of beta, and the choice of beta on a validation
 * split (never the test split: the caller passes the pools it may tune on).
 */
import type { Interval } from '../stats/bootstrap.js';
import { firstRuns, poolSize, type QuestionPool } from './candidate-pool.js';
import { checkPools, evaluateMethods, type EvaluationOptions } from './evaluation.js';
import { ltoSelectionProbabilities } from './lto-sampler.js';
import type { MethodName } from './methods.js';

export interface SweepPoint {
  readonly accuracy: number;
  readonly interval: Interval;
  readonly latentSteps: number;
}

export interface RunsSweepPoint {
  /** N: every question's pool cut to its first N runs. */
  readonly runs: number;
  readonly methods: Partial<Record<MethodName, SweepPoint>>;
}

/** Accuracy of every method with the first N runs of each pool, for each N in `runCounts`. */
export function accuracyVersusRuns(pools: readonly QuestionPool[], runCounts: readonly number[], options: EvaluationOptions): RunsSweepPoint[] {
  checkPools(pools, 'accuracyVersusRuns');
  const smallest = Math.min(...pools.map(poolSize));
  for (const n of runCounts) {
    if (!Number.isInteger(n) || n < 1 || n > smallest) throw new Error(`accuracyVersusRuns: run count ${n}; expected integers in 1..${smallest} (the smallest pool)`);
  }
  return runCounts.map((runs) => {
    const evaluation = evaluateMethods(pools.map((p) => firstRuns(p, runs)), { ...options, compare: false });
    const methods: Partial<Record<MethodName, SweepPoint>> = {};
    for (const [name, r] of Object.entries(evaluation.methods)) methods[name as MethodName] = { accuracy: r.accuracy, interval: r.interval, latentSteps: r.latentSteps };
    return { runs, methods };
  });
}

/** LTO's accuracy for each beta (same seeds for every beta, so the curve is not jittered by reseeding). */
export function accuracyVersusBeta(pools: readonly QuestionPool[], betas: readonly number[], options: Omit<EvaluationOptions, 'beta' | 'methods'>): ({ readonly beta: number } & SweepPoint)[] {
  if (betas.length === 0) throw new Error('accuracyVersusBeta: betas is empty; expected at least one beta');
  return betas.map((beta) => {
    const r = evaluateMethods(pools, { ...options, beta, methods: ['lto'], compare: false }).methods.lto!;
    return { beta, accuracy: r.accuracy, interval: r.interval, latentSteps: r.latentSteps };
  });
}

/**
 * LTO's expected accuracy (M = 1, candidates in pool order): the mean over questions of
 * sum_i P(output = i) * correct_i, with the exact output distribution, so no sampling noise.
 */
export function expectedLtoAccuracy(pools: readonly QuestionPool[], beta: number): number {
  checkPools(pools, 'expectedLtoAccuracy');
  let sum = 0;
  for (const pool of pools) {
    const p = ltoSelectionProbabilities(pool.rewards, beta);
    for (let i = 0; i < p.length; i++) if (pool.correct[i]) sum += p[i]!;
  }
  return sum / pools.length;
}

/**
 * The beta with the highest expected LTO accuracy on `validationPools` (ties: the first in
 * `betas`), with every candidate's expected accuracy.
 */
export function chooseBeta(validationPools: readonly QuestionPool[], betas: readonly number[]): { beta: number; expectedAccuracy: number; all: { beta: number; expectedAccuracy: number }[] } {
  if (betas.length === 0) throw new Error('chooseBeta: betas is empty; expected at least one beta');
  const all = betas.map((beta) => ({ beta, expectedAccuracy: expectedLtoAccuracy(validationPools, beta) }));
  const best = all.reduce((a, b) => (b.expectedAccuracy > a.expectedAccuracy ? b : a));
  return { ...best, all };
}
