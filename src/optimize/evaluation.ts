/**
 * Evaluating the selection methods over a set of questions: per-question correctness of every
 * method, accuracy with a 95% bootstrap interval over questions (the unit of resampling: runs of
 * one question are not independent), total latent steps, and a paired bootstrap comparison of LTO
 * against each baseline on the same questions.
 */
import { meanInterval, bootstrapInterval, pairedBootstrapPValue, type Interval } from '../stats/bootstrap.js';
import type { Seed } from '../tensor/random.js';
import { checkPool, type QuestionPool } from './candidate-pool.js';
import { checkLtoParameters } from './lto-sampler.js';
import { applyMethod, METHOD_NAMES, type MethodName, type MethodOptions } from './methods.js';

export interface EvaluationOptions extends MethodOptions {
  /** Methods to run (default: all whose inputs every pool has; coe_r / coe_c need the CoE scores). */
  readonly methods?: readonly MethodName[];
  /** Bootstrap resamples, confidence level and seed (defaults 1000, 0.95, 0). */
  readonly bootstrap?: { readonly samples?: number; readonly level?: number; readonly seed?: Seed };
  /** Compute the paired LTO-versus-baseline comparisons (default true when LTO is among the methods). */
  readonly compare?: boolean;
}

export interface MethodResult {
  readonly method: MethodName;
  /** Output run per question. */
  readonly selected: Int32Array;
  /** 1 if the method's output is correct, per question. */
  readonly correct: Uint8Array;
  readonly accuracy: number;
  /** Bootstrap interval of the accuracy over questions. */
  readonly interval: Interval;
  /** Latent steps used over all questions. */
  readonly latentSteps: number;
  /** LTO only: acceptance tests drawn over all questions (how much of the pools the sampler examined). */
  readonly acceptanceTests?: number;
}

export interface Comparison {
  readonly baseline: MethodName;
  /** LTO accuracy minus the baseline's, with a paired bootstrap interval over questions. */
  readonly difference: Interval;
  /** Two-sided paired bootstrap p-value of "no difference". */
  readonly pValue: number;
}

export interface Evaluation {
  readonly questions: number;
  readonly methods: Partial<Record<MethodName, MethodResult>>;
  /** LTO against every other evaluated method except the oracle. */
  readonly ltoVersus: readonly Comparison[];
}

/** The methods an evaluation runs by default on these pools. */
export function availableMethods(pools: readonly QuestionPool[]): MethodName[] {
  return METHOD_NAMES.filter((m) => (m === 'coe_r' ? pools.every((p) => p.coeR !== undefined) : m === 'coe_c' ? pools.every((p) => p.coeC !== undefined) : true));
}

/** Checks a list of pools (non-empty, each valid). */
export function checkPools(pools: readonly QuestionPool[], what: string): void {
  if (!Array.isArray(pools) || pools.length === 0) throw new Error(`${what}: pools is empty; expected at least one question`);
  pools.forEach((p, q) => checkPool(p, `${what}: pools[${q}]`));
}

/** Runs every method on every question and summarises. */
export function evaluateMethods(pools: readonly QuestionPool[], options: EvaluationOptions): Evaluation {
  checkPools(pools, 'evaluateMethods');
  const methods = options.methods ? [...options.methods] : availableMethods(pools);
  for (const m of methods) if (!METHOD_NAMES.includes(m)) throw new Error(`evaluateMethods: unknown method ${JSON.stringify(m)}; expected one of ${METHOD_NAMES.join(', ')}`);
  if (methods.includes('lto')) pools.forEach((p, q) => checkLtoParameters(options.beta, options.accept ?? 1, p.answers.length, `evaluateMethods: pools[${q}]`));
  const bootstrap = { samples: options.bootstrap?.samples ?? 1000, level: options.bootstrap?.level ?? 0.95, seed: options.bootstrap?.seed ?? 0 };
  const results: Partial<Record<MethodName, MethodResult>> = {};
  for (const method of methods) {
    const selected = new Int32Array(pools.length);
    const correct = new Uint8Array(pools.length);
    let latentSteps = 0;
    let acceptanceTests = 0;
    pools.forEach((pool, q) => {
      const outcome = applyMethod(method, pool, q, options);
      selected[q] = outcome.run;
      correct[q] = outcome.correct ? 1 : 0;
      latentSteps += outcome.latentSteps;
      acceptanceTests += outcome.acceptanceTests ?? 0;
    });
    const interval = meanInterval(correct, bootstrap);
    results[method] = { method, selected, correct, accuracy: interval.estimate, interval, latentSteps, ...(method === 'lto' ? { acceptanceTests } : {}) };
  }
  const ltoVersus: Comparison[] = [];
  const lto = results.lto;
  if (lto && (options.compare ?? true)) {
    for (const method of methods) {
      if (method === 'lto' || method === 'oracle') continue;
      const baseline = results[method]!.correct;
      const difference = bootstrapInterval(pools.length, (indices) => {
        let sum = 0;
        for (const i of indices) sum += lto.correct[i]! - baseline[i]!;
        return sum / indices.length;
      }, bootstrap);
      ltoVersus.push({ baseline: method, difference, pValue: pairedBootstrapPValue(lto.correct, baseline, bootstrap) });
    }
  }
  return { questions: pools.length, methods: results, ltoVersus };
}
