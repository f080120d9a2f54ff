/**
 * Early rejection (beyond the paper): score partial trajectories while candidates are being
 * sampled, stop the candidates whose partial reward is low, and spend the saved latent steps on
 * further candidates. Simulated exactly on pre-sampled pools: every run of a pool was sampled in
 * full, and its prefix rewards at fixed checkpoints were computed beforehand, so the procedure
 * below reproduces what an online sampler would have done and charges only the steps it would
 * have computed.
 *
 * The rule (`earlyRejectionSample`), for one question, given per-checkpoint thresholds
 * theta_1..theta_C, a relative margin m, a number of survivors S and LTO's beta:
 *   1. take candidates in pool order (runs are i.i.d., so pool order is a random order);
 *   2. advance a candidate through the checkpoints c = 1..C that it reaches before finishing
 *      (a checkpoint whose cost is >= the run's full cost is not reached: the run finishes
 *      first and is never tested there); if its prefix reward r_c < theta_c, or r_c is more than
 *      m below the best prefix reward at c among the candidates drawn before it, it is rejected
 *      and costs the steps spent up to checkpoint c; otherwise it finishes (full cost, full reward);
 *   3. stop once S candidates have finished, once a finished candidate's full reward reaches the
 *      acceptance level alpha (when the rule has one, and at least k_min have finished), or when
 *      the pool is exhausted;
 *   4. if none finished, the rejected candidate with the highest last prefix reward is finished
 *      (its remaining steps are charged), so there is always an answer;
 *   5. run LTO's acceptance-rejection sampler (same beta, M = 1) over the finished candidates'
 *      full rewards; its output is the answer.
 * The batch rule (`keep` = k_1..k_C, successive halving) starts every candidate at once, as a
 * sampler running its N candidates as one batch does: at checkpoint c the candidates still running
 * that reach it are compared with each other; those below theta_c, or more than m below the best
 * of them, stop, and of the rest only the k_c with the highest prefix rewards go on; LTO then
 * chooses among those that finish (the fallback is the same). Where the sequential rule can only
 * compare a candidate with those drawn before it, this one compares it with all of them, and it
 * keeps from every question the candidates whose prefixes look best, which is what a near-argmax
 * LTO needs.
 *
 * Thresholds are quantiles of prefix rewards on the validation split (`rejectionThresholds`:
 * theta_c = q-quantile of the validation runs' rewards at checkpoint c, among runs reaching it),
 * and (q, m, S), or (q, m, k) for the batch rule, is chosen on validation (`chooseEarlyRejection`):
 * the configuration with the fewest latent steps that passes a one-sided paired non-inferiority
 * test against LTO with every candidate: its expected validation accuracy minus LTO's, less `standardErrors` standard errors
 * of that difference over questions, is at least -`tolerance`; never on test. With q = 0, m =
 * Infinity nothing is rejected and S = N gives back LTO exactly, so that configuration always passes.
 *
 * Why a relative margin as well as thresholds: a threshold is the same for every question, so on a
 * hard question, where every run's reward is low, it rejects the candidates LTO would have chosen
 * from. Where LTO's beta is small it outputs the best-rewarded run, and what early rejection must
 * keep is that run: a candidate whose prefix already trails the best prefix seen for the same
 * question by a wide margin rarely ends up best, whatever the question's reward level.
 *
 * Why an acceptance level as well: prefix rewards tell little about which of a question's runs is
 * right (the runs of this model part late, where the errors happen), so rejecting by them costs
 * a near-argmax LTO its best candidate. Full rewards tell much more, and most questions are easy:
 * once one finished candidate is rewarded above alpha, further candidates rarely change LTO's
 * pick, and the sampler spends nothing more on the question (the "or none" of spending the saved
 * steps). Hard questions, where no candidate looks right, still get every candidate. This is
 * adaptive sampling in the manner of Adaptive-Consistency (Aggarwal et al., 2023), with the LRM's
 * reward in place of agreement between answers.
 *
 * Why a test and not the point estimate: the grid holds dozens of configurations, and the
 * cheapest one whose validation accuracy happens to clear LTO's minus the tolerance is, more
 * often than not, one that was lucky on those questions (a winner's curse). Measured on the
 * tasks-v5 model with the point-estimate rule: it chose 2 survivors in every domain and fell
 * 1.2 to 3.6 points below LTO on the test split. `heldOutEarlyRejection` measures a selection
 * rule on validation alone (choose on a random half of the questions, measure on the other
 * half, many times), which is how this one was judged.
 *
 * Rewards that depend on the other candidates (an LRM that reads trajectories centred on their
 * question's runs) cannot be computed once for the whole pool: a sampler that stops candidates
 * does not have the stopped ones' later latents. Pools may carry running rewards
 * (`RunningRewards`), computed from exactly what the rule's sampler has at each point; the rule
 * then uses them for every prefix reward and for the final choice. Measured on the embedded model
 * (math, centred LRM): the batch rule chosen with rewards centred on all 20 candidates lost 0.2
 * points on test with those rewards and 1.6 points with the running ones.
 *
 * What a checkpoint is stays with the caller (see experiment.ts): the first k generated tokens
 * with all their recurrence steps (realisable during autoregressive sampling), or the first t + 1
 * states latent.0..latent.t of every token (an idealised bound: token k + 1's input is token k,
 * decoded only after step T, so step prefixes of a whole answer cannot be computed cheaply).
 */
import { meanInterval, type Interval } from '../stats/bootstrap.js';
import { quantileSorted } from '../stats/bootstrap.js';
import { Rng, deriveSeed, type Seed } from '../tensor/random.js';
import type { TrajectoryArray } from '../tensor/trajectory-array.js';
import type { TrajectorySet } from '../thoughts/trajectory-set.js';
import { checkPool, checkScores, poolSize, type QuestionPool } from './candidate-pool.js';
import { checkLtoParameters, ltoSample, ltoSelectionProbabilities } from './lto-sampler.js';

/** Prefix rewards and the latent steps needed to reach each checkpoint, per run. */
export interface PrefixCheckpoints {
  /** rewards[c][i]: the reward of run i's prefix at checkpoint c. */
  readonly rewards: readonly ArrayLike<number>[];
  /**
   * costs[c][i]: latent steps spent by run i up to checkpoint c (non-decreasing in c). When it is
   * >= the run's full cost, the run finishes before the checkpoint and is not tested there.
   */
  readonly costs: readonly ArrayLike<number>[];
}

/** A pool whose runs also carry prefix rewards; `latentSteps` (full cost per run) is required. */
export interface EarlyRejectionPool extends QuestionPool {
  readonly latentSteps: ArrayLike<number>;
  readonly checkpoints: PrefixCheckpoints;
  /**
   * Rewards that depend on the candidates the sampler has (a centred LRM): when present, every
   * rule on this pool takes its prefix rewards and the final rewards from it instead of
   * `checkpoints.rewards` and `rewards` (see RunningRewards).
   */
  readonly running?: RunningRewards;
}

export interface EarlyRejectionRule {
  /** theta_c per checkpoint: a candidate is rejected at c when its prefix reward is < theta_c. */
  readonly thresholds: readonly number[];
  /**
   * m: a candidate is also rejected at c when its prefix reward is more than m below the best
   * prefix reward at c among the candidates drawn before it (in the units of the prefix rewards;
   * the experiment gives logits, so that m is an odds ratio). Infinity or absent: no such test.
   */
  readonly margin?: number;
  /** S: stop drawing candidates once this many have finished. */
  readonly survivors: number;
  /** LTO's beta for the final choice among survivors. */
  readonly beta: number;
  /**
   * k_1..k_C: the batch rule (successive halving) instead of drawing candidates one by one. Every
   * candidate of the pool starts at once; at checkpoint c the candidates still running that reach
   * it are compared with each other: those below theta_c or more than m below the best of them
   * stop, and of the rest only the k_c with the highest prefix rewards go on. S is then unused
   * (every candidate is drawn). Absent: the sequential rule.
   */
  readonly keep?: readonly number[];
  /**
   * alpha: the sequential rule stops drawing candidates once a finished candidate's full reward
   * (as LTO chooses by, running rewards when the pool has them) is >= alpha and at least
   * `minFinished` have finished. Absent: no such stop. Not with `keep`.
   */
  readonly accept?: number;
  /** k_min for `accept` (default 1). */
  readonly minFinished?: number;
}

export interface EarlyRejectionOutcome {
  /** The output run (pool index). */
  readonly run: number;
  readonly correct: boolean;
  /** Latent steps actually computed for this question. */
  readonly latentSteps: number;
  /** Candidates drawn from the pool. */
  readonly candidates: number;
  /** Candidates stopped at a checkpoint. */
  readonly rejected: number;
  /** Finished candidates, in the order they finished. */
  readonly finished: readonly number[];
  /** Whether every candidate was rejected and the best rejected one was finished. */
  readonly fallback: boolean;
  /** Whether drawing stopped because a finished candidate's reward reached the acceptance level. */
  readonly accepted: boolean;
}

/**
 * Rewards that depend on which candidates are still running, as those of an LRM that reads each
 * trajectory centred on its question's candidates: `rewards(c, runs)` gives, for the pool indices
 * `runs`, their prefix rewards at checkpoint c (c < C), or their full rewards (c = C), computed
 * from those runs only. With them a rule computes exactly what its sampler has: the batch rule,
 * at a checkpoint, the prefixes of the candidates not stopped before; the sequential rule, those
 * of the candidates drawn before that reached it; both, at the end, the finished candidates'
 * trajectories, and nothing else.
 */
export type RunningRewards = (checkpoint: number, runs: readonly number[]) => ArrayLike<number>;

/** Pools with running rewards: `running(q)` for question q. */
export function withRunning(pools: readonly EarlyRejectionPool[], running: (question: number) => RunningRewards): EarlyRejectionPool[] {
  return pools.map((pool, q) => ({ ...pool, running: running(q) }));
}

/** Checks an early-rejection pool (the QuestionPool checks, plus the checkpoints); `what` names it. */
export function checkEarlyRejectionPool(pool: EarlyRejectionPool, what: string): void {
  checkPool(pool, what);
  const n = poolSize(pool);
  if (pool.latentSteps === undefined) throw new Error(`${what}.latentSteps is missing; early rejection needs each run's full cost`);
  const cp = pool.checkpoints;
  if (!cp || !Array.isArray(cp.rewards) || !Array.isArray(cp.costs)) throw new Error(`${what}.checkpoints: expected {rewards: number[][], costs: number[][]}`);
  if (cp.rewards.length !== cp.costs.length) throw new Error(`${what}.checkpoints has ${cp.rewards.length} reward rows but ${cp.costs.length} cost rows; expected one of each per checkpoint`);
  cp.rewards.forEach((r, c) => checkScores(r, n, `${what}.checkpoints.rewards[${c}]`));
  cp.costs.forEach((k, c) => {
    checkScores(k, n, `${what}.checkpoints.costs[${c}]`);
    for (let i = 0; i < n; i++) {
      if (k[i]! < 0) throw new Error(`${what}.checkpoints.costs[${c}][${i}] is ${k[i]}; expected a non-negative number`);
      if (c > 0 && k[i]! < cp.costs[c - 1]![i]!) throw new Error(`${what}.checkpoints.costs[${c}][${i}] is ${k[i]}, less than at checkpoint ${c - 1}; costs must not decrease`);
    }
  });
}

function checkRule(rule: EarlyRejectionRule, checkpoints: number, what: string): void {
  if (!rule || !Array.isArray(rule.thresholds)) throw new Error(`${what}: expected a rule {thresholds, survivors, beta}`);
  if (rule.thresholds.length !== checkpoints) throw new Error(`${what}: ${rule.thresholds.length} thresholds but the pools have ${checkpoints} checkpoints; expected one per checkpoint`);
  rule.thresholds.forEach((t, c) => {
    if (typeof t !== 'number' || Number.isNaN(t)) throw new Error(`${what}: thresholds[${c}] is ${t}; expected a number (-Infinity rejects nothing)`);
  });
  if (rule.margin !== undefined && !(typeof rule.margin === 'number' && rule.margin >= 0)) throw new Error(`${what}: margin is ${rule.margin}; expected a number >= 0 (Infinity tests nothing)`);
  if (!Number.isInteger(rule.survivors) || rule.survivors < 1) throw new Error(`${what}: survivors (S) is ${rule.survivors}; expected an integer >= 1`);
  if (rule.keep !== undefined) {
    if (!Array.isArray(rule.keep) || rule.keep.length !== checkpoints) throw new Error(`${what}: keep has ${Array.isArray(rule.keep) ? rule.keep.length : 'no'} entries but the pools have ${checkpoints} checkpoints; expected one count per checkpoint`);
    rule.keep.forEach((k, c) => {
      if (!Number.isInteger(k) || k < 1) throw new Error(`${what}: keep[${c}] is ${k}; expected an integer >= 1`);
    });
  }
  if (rule.accept !== undefined) {
    if (typeof rule.accept !== 'number' || Number.isNaN(rule.accept)) throw new Error(`${what}: accept is ${rule.accept}; expected a reward level (a number)`);
    if (rule.keep !== undefined) throw new Error(`${what}: accept is for the sequential rule (candidates drawn one by one), but the rule has a batch schedule (keep)`);
  }
  if (rule.minFinished !== undefined && (!Number.isInteger(rule.minFinished) || rule.minFinished < 1)) throw new Error(`${what}: minFinished is ${rule.minFinished}; expected an integer >= 1`);
  checkLtoParameters(rule.beta, 1, 1, what);
}

/** The deterministic part of the rule: which candidates are drawn, rejected and finished, and the cost. */
function screen(pool: EarlyRejectionPool, rule: EarlyRejectionRule): Omit<EarlyRejectionOutcome, 'run' | 'correct'> {
  return rule.keep ? screenBatch(pool, rule, rule.keep, pool.running) : screenSequential(pool, rule, pool.running);
}

/** The full rewards LTO chooses among the finished candidates by (running ones when the pool has them), in `finished` order. */
function finishedRewards(pool: EarlyRejectionPool, finished: readonly number[]): number[] {
  if (!pool.running) return finished.map((i) => pool.rewards[i]!);
  const full = runningRewardsAt(pool.running, pool.checkpoints.rewards.length, finished, poolSize(pool));
  return finished.map((i) => full[i]!);
}

/** Pool-indexed rewards of `runs` from a RunningRewards call (NaN elsewhere), checked. */
function runningRewardsAt(running: RunningRewards, c: number, runs: readonly number[], n: number): Float64Array {
  const got = running(c, runs);
  if (!got || got.length !== runs.length) throw new Error(`early rejection: running rewards at checkpoint ${c} gave ${got?.length} values for ${runs.length} runs`);
  const out = new Float64Array(n).fill(NaN);
  runs.forEach((i, k) => {
    if (typeof got[k] !== 'number' || Number.isNaN(got[k])) throw new Error(`early rejection: running reward of run ${i} at checkpoint ${c} is ${got[k]}; expected a number`);
    out[i] = got[k]!;
  });
  return out;
}

/**
 * The batch rule (`keep`): every candidate at once, compared with each other at each checkpoint.
 * With `running`, the prefix rewards at each checkpoint come from it, for the candidates not
 * stopped before (else from the pool's checkpoints).
 */
function screenBatch(pool: EarlyRejectionPool, rule: EarlyRejectionRule, keep: readonly number[], running: RunningRewards | undefined): Omit<EarlyRejectionOutcome, 'run' | 'correct'> {
  const n = poolSize(pool);
  const { costs } = pool.checkpoints;
  const rewards: ArrayLike<number>[] = [];
  const margin = rule.margin ?? Infinity;
  const stoppedAt = new Int32Array(n).fill(-1);
  let alive = Array.from({ length: n }, (_, i) => i);
  for (let c = 0; c < keep.length; c++) {
    rewards.push(running ? runningRewardsAt(running, c, alive, n) : pool.checkpoints.rewards[c]!);
    const r = rewards[c]!;
    // A candidate that finishes before the checkpoint is never tested there.
    const reaching = alive.filter((i) => costs[c]![i]! < pool.latentSteps[i]!);
    if (reaching.length === 0) break;
    let best = -Infinity;
    for (const i of reaching) if (r[i]! > best) best = r[i]!;
    const passing = reaching.filter((i) => r[i]! >= rule.thresholds[c]! && r[i]! >= best - margin);
    // Highest prefix reward first; ties in pool order, so the rule is deterministic.
    passing.sort((a, b) => r[b]! - r[a]! || a - b);
    const goOn = new Set(passing.slice(0, keep[c]!));
    for (const i of reaching) if (!goOn.has(i)) stoppedAt[i] = c;
    alive = alive.filter((i) => stoppedAt[i] < 0);
  }
  let latentSteps = 0;
  let bestRejected = -1;
  let bestRejectedReward = -Infinity;
  for (let i = 0; i < n; i++) {
    const c = stoppedAt[i]!;
    if (c < 0) {
      latentSteps += pool.latentSteps[i]!;
      continue;
    }
    latentSteps += costs[c]![i]!;
    if (rewards[c]![i]! > bestRejectedReward) {
      bestRejected = i;
      bestRejectedReward = rewards[c]![i]!;
    }
  }
  const rejected = n - alive.length;
  const finished = alive;
  let fallback = false;
  if (finished.length === 0) {
    // Every candidate fell below a threshold: the best-rewarded one is finished, as in the sequential rule.
    fallback = true;
    finished.push(bestRejected);
    latentSteps += pool.latentSteps[bestRejected]! - costs[stoppedAt[bestRejected]!]![bestRejected]!;
  }
  return { latentSteps, candidates: n, rejected, finished, fallback, accepted: false };
}

/** The sequential rule: candidates drawn one by one until S have finished. */
function screenSequential(pool: EarlyRejectionPool, rule: EarlyRejectionRule, running: RunningRewards | undefined): Omit<EarlyRejectionOutcome, 'run' | 'correct'> {
  const n = poolSize(pool);
  const { costs } = pool.checkpoints;
  // With running rewards, candidate i's prefix reward at c is computed with the candidates drawn
  // before it that reached c (all a sampler drawing one by one has there), as it was then.
  const reached: number[][] = rule.thresholds.map(() => []);
  const seen = new Map<string, number>();
  const rewardOf = (c: number, i: number): number => {
    if (!running) return pool.checkpoints.rewards[c]![i]!;
    const key = `${c}:${i}`;
    if (!seen.has(key)) {
      const runs = [...reached[c]!, i];
      seen.set(key, runningRewardsAt(running, c, runs, n)[i]!);
    }
    return seen.get(key)!;
  };
  const finished: number[] = [];
  let latentSteps = 0;
  let candidates = 0;
  let rejected = 0;
  let bestRejected = -1;
  let bestRejectedReward = -Infinity;
  let bestRejectedCost = 0;
  const margin = rule.margin ?? Infinity;
  // The best prefix reward seen at each checkpoint so far (among candidates that reached it).
  const bestSeen = new Array<number>(rule.thresholds.length).fill(-Infinity);
  let accepted = false;
  for (let i = 0; i < n && finished.length < rule.survivors && !accepted; i++) {
    candidates++;
    const full = pool.latentSteps[i]!;
    let stoppedAt = -1;
    for (let c = 0; c < rule.thresholds.length; c++) {
      if (costs[c]![i]! >= full) break;
      const r = rewardOf(c, i);
      reached[c]!.push(i);
      const trails = r < bestSeen[c]! - margin;
      if (r > bestSeen[c]!) bestSeen[c] = r;
      if (r < rule.thresholds[c]! || trails) {
        stoppedAt = c;
        break;
      }
    }
    if (stoppedAt < 0) {
      finished.push(i);
      latentSteps += full;
      if (rule.accept !== undefined && finished.length >= (rule.minFinished ?? 1)) accepted = Math.max(...finishedRewards(pool, finished)) >= rule.accept;
    } else {
      rejected++;
      const spent = costs[stoppedAt]![i]!;
      latentSteps += spent;
      if (rewardOf(stoppedAt, i) > bestRejectedReward) {
        bestRejected = i;
        bestRejectedReward = rewardOf(stoppedAt, i);
        bestRejectedCost = spent;
      }
    }
  }
  let fallback = false;
  if (finished.length === 0) {
    fallback = true;
    finished.push(bestRejected);
    latentSteps += pool.latentSteps[bestRejected]! - bestRejectedCost;
  }
  return { latentSteps, candidates, rejected, finished, fallback, accepted };
}

/** Runs the rule on one question; the final LTO draw uses `seed` (derive it per question). */
export function earlyRejectionSample(pool: EarlyRejectionPool, rule: EarlyRejectionRule, seed: Seed): EarlyRejectionOutcome {
  checkEarlyRejectionPool(pool, 'earlyRejectionSample: pool');
  checkRule(rule, pool.checkpoints.rewards.length, 'earlyRejectionSample');
  const s = screen(pool, rule);
  const choice = ltoSample(finishedRewards(pool, s.finished), { beta: rule.beta, seed });
  const run = s.finished[choice.selected]!;
  return { ...s, run, correct: Boolean(pool.correct[run]) };
}

/** Per-checkpoint thresholds: the q-quantile of the prefix rewards of the runs that reach each checkpoint (-Infinity when none does, or q = 0). */
export function rejectionThresholds(pools: readonly EarlyRejectionPool[], quantile: number): number[] {
  checkEarlyRejectionPools(pools, 'rejectionThresholds');
  if (typeof quantile !== 'number' || !(quantile >= 0 && quantile <= 1)) throw new Error(`rejectionThresholds: quantile is ${quantile}; expected a number in [0, 1]`);
  const checkpoints = pools[0]!.checkpoints.rewards.length;
  return Array.from({ length: checkpoints }, (_, c) => {
    if (quantile === 0) return -Infinity;
    const values: number[] = [];
    for (const pool of pools) {
      for (let i = 0; i < poolSize(pool); i++) if (pool.checkpoints.costs[c]![i]! < pool.latentSteps[i]!) values.push(pool.checkpoints.rewards[c]![i]!);
    }
    return values.length === 0 ? -Infinity : quantileSorted(values.sort((a, b) => a - b), quantile);
  });
}

/** Checks pools for early rejection: non-empty, valid, all with the same number of checkpoints. */
export function checkEarlyRejectionPools(pools: readonly EarlyRejectionPool[], what: string): void {
  if (!Array.isArray(pools) || pools.length === 0) throw new Error(`${what}: pools is empty; expected at least one question`);
  pools.forEach((p, q) => checkEarlyRejectionPool(p, `${what}: pools[${q}]`));
  const c = pools[0]!.checkpoints.rewards.length;
  pools.forEach((p, q) => {
    if (p.checkpoints.rewards.length !== c) throw new Error(`${what}: pools[${q}] has ${p.checkpoints.rewards.length} checkpoints but pools[0] has ${c}; expected the same checkpoints everywhere`);
  });
}

/** Per question: the probability that the rule's output is correct, and the latent steps it computes. */
function expectedPerQuestion(pools: readonly EarlyRejectionPool[], rule: EarlyRejectionRule): { accuracy: Float64Array; latentSteps: Float64Array } {
  const accuracy = new Float64Array(pools.length);
  const latentSteps = new Float64Array(pools.length);
  pools.forEach((pool, q) => {
    const s = screen(pool, rule);
    const p = ltoSelectionProbabilities(finishedRewards(pool, s.finished), rule.beta);
    s.finished.forEach((run, k) => {
      if (pool.correct[run]) accuracy[q]! += p[k]!;
    });
    latentSteps[q] = s.latentSteps;
  });
  return { accuracy, latentSteps };
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/**
 * Expected accuracy of the rule (the screening is deterministic; the final LTO draw is averaged
 * exactly with its selection probabilities) and the mean latent steps per question.
 */
export function expectedEarlyRejection(pools: readonly EarlyRejectionPool[], rule: EarlyRejectionRule): { accuracy: number; latentSteps: number } {
  checkEarlyRejectionPools(pools, 'expectedEarlyRejection');
  checkRule(rule, pools[0]!.checkpoints.rewards.length, 'expectedEarlyRejection');
  const e = expectedPerQuestion(pools, rule);
  return { accuracy: mean(e.accuracy), latentSteps: mean(e.latentSteps) };
}

export interface EarlyRejectionEvaluation {
  readonly rule: EarlyRejectionRule;
  readonly selected: Int32Array;
  readonly correct: Uint8Array;
  readonly accuracy: number;
  readonly interval: Interval;
  /** Latent steps computed over all questions. */
  readonly latentSteps: number;
  /** Candidates drawn, stopped early, and questions that needed the fallback, over all questions. */
  readonly candidates: number;
  readonly rejected: number;
  readonly fallbacks: number;
  /** Questions whose drawing stopped at the acceptance level. */
  readonly acceptances: number;
}

/**
 * Applies the rule to every question and summarises with a bootstrap interval over questions. The
 * final draw of question q uses the same stream as LTO's in `applyMethod` (seed, 'lto', q), so with
 * nothing rejected and S = N the output is LTO's, question by question.
 */
export function evaluateEarlyRejection(pools: readonly EarlyRejectionPool[], rule: EarlyRejectionRule, options: { seed?: Seed; bootstrap?: { samples?: number; level?: number; seed?: Seed } } = {}): EarlyRejectionEvaluation {
  checkEarlyRejectionPools(pools, 'evaluateEarlyRejection');
  checkRule(rule, pools[0]!.checkpoints.rewards.length, 'evaluateEarlyRejection');
  const selected = new Int32Array(pools.length);
  const correct = new Uint8Array(pools.length);
  let latentSteps = 0;
  let candidates = 0;
  let rejected = 0;
  let fallbacks = 0;
  let acceptances = 0;
  pools.forEach((pool, q) => {
    const o = earlyRejectionSample(pool, rule, deriveSeed(options.seed ?? 0, 'lto', q));
    selected[q] = o.run;
    correct[q] = o.correct ? 1 : 0;
    latentSteps += o.latentSteps;
    candidates += o.candidates;
    rejected += o.rejected;
    if (o.fallback) fallbacks++;
    if (o.accepted) acceptances++;
  });
  const interval = meanInterval(correct, { samples: options.bootstrap?.samples ?? 1000, level: options.bootstrap?.level ?? 0.95, seed: options.bootstrap?.seed ?? 0 });
  return { rule, selected, correct, accuracy: interval.estimate, interval, latentSteps, candidates, rejected, fallbacks, acceptances };
}

export interface EarlyRejectionGridPoint {
  readonly quantile: number;
  /** The relative margin m (Infinity: none). */
  readonly margin: number;
  readonly survivors: number;
  /** The batch rule's k_c per checkpoint; null: the sequential rule. */
  readonly keep: readonly number[] | null;
  readonly thresholds: readonly number[];
  /** The acceptance level alpha, the quantile of the validation full rewards it is, and k_min; null: no acceptance stop. */
  readonly accept: { readonly level: number; readonly quantile: number; readonly minFinished: number } | null;
  /** Expected accuracy and mean latent steps per question on the pools the choice was made on. */
  readonly accuracy: number;
  readonly latentSteps: number;
  /** accuracy minus LTO's on the same pools, and its standard error over questions (paired). */
  readonly difference: number;
  readonly standardError: number;
  /** difference - standardErrors x standardError: the setting qualifies when this is >= -tolerance. */
  readonly lowerBound: number;
}

export interface EarlyRejectionChoiceOptions {
  readonly beta: number;
  readonly quantiles: readonly number[];
  /** Relative margins m tried (default [Infinity]: thresholds only). */
  readonly margins?: readonly number[];
  readonly survivors: readonly number[];
  /**
   * Batch-rule schedules k_1..k_C tried besides the sequential rule (with every margin, without
   * thresholds; default none). `keepSchedules` builds the usual ones.
   */
  readonly keeps?: readonly (readonly number[])[];
  /**
   * Acceptance levels tried with the sequential rule (S = N, without thresholds and margin), as
   * quantiles of the validation pools' full rewards (default none), each with every k_min of
   * `minFinished` (default [1]).
   */
  readonly acceptQuantiles?: readonly number[];
  readonly minFinished?: readonly number[];
  /** Accuracy the rule may lose against LTO (default 0.01). */
  readonly tolerance?: number;
  /**
   * How many standard errors of the paired difference the setting must clear -tolerance by
   * (default 1.645: a one-sided test at the 5% level; 0 gives the point-estimate rule).
   */
  readonly standardErrors?: number;
}

export const DEFAULT_EARLY_REJECTION_STANDARD_ERRORS = 1.645;
export const DEFAULT_EARLY_REJECTION_TOLERANCE = 0.01;

export interface EarlyRejectionChoice {
  readonly chosen: EarlyRejectionGridPoint;
  /** LTO (every candidate finished, same beta) on the same pools: the reference. */
  readonly reference: { readonly accuracy: number; readonly latentSteps: number };
  readonly grid: readonly EarlyRejectionGridPoint[];
}

/** LTO itself as a rule: nothing rejected, every candidate finished (the reference of the choice). */
function ltoRule(pools: readonly EarlyRejectionPool[], beta: number): EarlyRejectionRule {
  return { thresholds: new Array<number>(pools[0]!.checkpoints.rewards.length).fill(-Infinity), survivors: Math.max(...pools.map(poolSize)), beta };
}

function checkChoiceOptions(options: EarlyRejectionChoiceOptions, what: string): { tolerance: number; standardErrors: number } {
  if (!Array.isArray(options.quantiles) || options.quantiles.length === 0) throw new Error(`${what}: quantiles is empty; expected at least one quantile in [0, 1]`);
  if (!Array.isArray(options.survivors)) throw new Error(`${what}: survivors is ${options.survivors}; expected an array of S >= 1`);
  if (options.survivors.length === 0 && !(options.keeps?.length) && !(options.acceptQuantiles?.length)) throw new Error(`${what}: survivors is empty and there are no batch schedules or acceptance levels; expected at least one S >= 1, one schedule or one level`);
  if (options.margins !== undefined && (!Array.isArray(options.margins) || options.margins.length === 0)) throw new Error(`${what}: margins is empty; expected at least one margin >= 0 (Infinity: none)`);
  if (options.keeps !== undefined && !Array.isArray(options.keeps)) throw new Error(`${what}: keeps is ${options.keeps}; expected an array of schedules (one count per checkpoint each)`);
  if (options.acceptQuantiles !== undefined && (!Array.isArray(options.acceptQuantiles) || options.acceptQuantiles.some((q) => !(q >= 0 && q <= 1)))) throw new Error(`${what}: acceptQuantiles is ${JSON.stringify(options.acceptQuantiles)}; expected quantiles in [0, 1]`);
  if (options.minFinished !== undefined && (!Array.isArray(options.minFinished) || options.minFinished.length === 0 || options.minFinished.some((k) => !Number.isInteger(k) || k < 1))) throw new Error(`${what}: minFinished is ${JSON.stringify(options.minFinished)}; expected integers >= 1`);
  const tolerance = options.tolerance ?? DEFAULT_EARLY_REJECTION_TOLERANCE;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new Error(`${what}: tolerance is ${tolerance}; expected a finite number >= 0`);
  const standardErrors = options.standardErrors ?? DEFAULT_EARLY_REJECTION_STANDARD_ERRORS;
  if (!(standardErrors >= 0) || !Number.isFinite(standardErrors)) throw new Error(`${what}: standardErrors is ${standardErrors}; expected a finite number >= 0`);
  return { tolerance, standardErrors };
}

/** Mean of a - b and its standard error over questions (0 with a single question). */
function pairedDifference(a: Float64Array, b: Float64Array): { difference: number; standardError: number } {
  const n = a.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]! - b[i]!;
  const difference = sum / n;
  if (n < 2) return { difference, standardError: 0 };
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (a[i]! - b[i]! - difference) ** 2;
  return { difference, standardError: Math.sqrt(squares / (n - 1) / n) };
}

/**
 * Chooses (q, m, S) on validation pools: among every quantile x margin x survivors setting (and
 * margin x batch schedule, without thresholds, with `keeps`; acceptance level x k_min, with S = N
 * and without thresholds or margin, with `acceptQuantiles`; with running rewards, q = 0 and no
 * margin only), the one with the fewest mean latent steps whose paired lower bound (accuracy
 * minus LTO's, less `standardErrors` standard errors) is at least -`tolerance` (ties: higher accuracy, then earlier in the grid); if
 * none qualifies, the most accurate.
 */
export function chooseEarlyRejection(validationPools: readonly EarlyRejectionPool[], options: EarlyRejectionChoiceOptions): EarlyRejectionChoice {
  checkEarlyRejectionPools(validationPools, 'chooseEarlyRejection');
  const { tolerance, standardErrors } = checkChoiceOptions(options, 'chooseEarlyRejection');
  const checkpoints = validationPools[0]!.checkpoints.rewards.length;
  const everything = ltoRule(validationPools, options.beta);
  checkRule(everything, checkpoints, 'chooseEarlyRejection');
  const lto = expectedPerQuestion(validationPools, everything);
  const reference = { accuracy: mean(lto.accuracy), latentSteps: mean(lto.latentSteps) };
  const grid: EarlyRejectionGridPoint[] = [];
  // Running rewards are computed per set of candidates: thresholds and margins would multiply the
  // sets to score, so with them only S (sequential rule) and the schedules (batch rule) are tried.
  const running = validationPools.some((p) => p.running !== undefined);
  const quantiles = running ? [0] : options.quantiles;
  const margins = running ? [Infinity] : options.margins ?? [Infinity];
  const add = (quantile: number, rule: EarlyRejectionRule, acceptQuantile = NaN): void => {
    checkRule(rule, checkpoints, 'chooseEarlyRejection');
    const e = expectedPerQuestion(validationPools, rule);
    const d = pairedDifference(e.accuracy, lto.accuracy);
    const { thresholds, margin = Infinity, survivors, keep } = rule;
    const accept = rule.accept === undefined ? null : { level: rule.accept, quantile: acceptQuantile, minFinished: rule.minFinished ?? 1 };
    grid.push({ quantile, margin, survivors, keep: keep ?? null, thresholds, accept, accuracy: mean(e.accuracy), latentSteps: mean(e.latentSteps), ...d, lowerBound: d.difference - standardErrors * d.standardError });
  };
  for (const quantile of quantiles) {
    const thresholds = rejectionThresholds(validationPools, quantile);
    for (const margin of margins) for (const survivors of options.survivors) add(quantile, { thresholds, margin, survivors, beta: options.beta });
  }
  // The batch rule ranks candidates within their question, which is what thresholds (the same for
  // every question) do badly: it is tried without them, which keeps the grid small.
  const noThresholds = new Array<number>(checkpoints).fill(-Infinity);
  for (const margin of margins) for (const keep of options.keeps ?? []) add(0, { thresholds: noThresholds, margin, survivors: everything.survivors, keep, beta: options.beta });
  const levels = acceptanceLevels(validationPools, options.acceptQuantiles ?? []);
  for (const [k, accept] of levels.entries()) {
    for (const minFinished of options.minFinished ?? [1]) add(0, { thresholds: noThresholds, survivors: everything.survivors, beta: options.beta, accept, minFinished }, options.acceptQuantiles![k]!);
  }
  return { chosen: pick(grid, tolerance, standardErrors), reference, grid };
}

/** The cheapest grid point whose paired lower bound at `standardErrors` clears -tolerance (ties: more accurate, then earlier); else the most accurate. */
function pick(grid: readonly EarlyRejectionGridPoint[], tolerance: number, standardErrors: number): EarlyRejectionGridPoint {
  const qualifying = grid.filter((g) => g.difference - standardErrors * g.standardError >= -tolerance - 1e-12);
  return qualifying.length > 0
    ? qualifying.reduce((a, b) => (b.latentSteps < a.latentSteps || (b.latentSteps === a.latentSteps && b.accuracy > a.accuracy) ? b : a))
    : grid.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
}

/** The rule of a grid point. */
export function gridRule(point: EarlyRejectionGridPoint, beta: number): EarlyRejectionRule {
  return {
    thresholds: point.thresholds, margin: point.margin, survivors: point.survivors, beta,
    ...(point.keep ? { keep: point.keep } : {}),
    ...(point.accept ? { accept: point.accept.level, minFinished: point.accept.minFinished } : {}),
  };
}

/**
 * Acceptance levels: the q-quantiles of the pools' full rewards (`rewards`, over every run), one
 * per quantile. With running rewards these are the rewards over all N candidates: the levels are
 * only a grid to choose from, the rule itself is chosen and measured with the running ones.
 */
export function acceptanceLevels(pools: readonly QuestionPool[], quantiles: readonly number[]): number[] {
  if (quantiles.length === 0) return [];
  const values: number[] = [];
  for (const pool of pools) for (let i = 0; i < poolSize(pool); i++) values.push(pool.rewards[i]!);
  values.sort((a, b) => a - b);
  return quantiles.map((q) => {
    if (!(q >= 0 && q <= 1)) throw new Error(`acceptanceLevels: quantile ${q}; expected a number in [0, 1]`);
    return quantileSorted(values, q);
  });
}

/**
 * Batch schedules k_1..k_C for `keeps`: every non-increasing sequence over the counts
 * round(N x f) for the fractions f (default 1, 0.6, 0.4, 0.3, 0.2, 0.1), but all-N (the
 * same as LTO without thresholds and margin).
 */
export function keepSchedules(runs: number, checkpoints: number, fractions: readonly number[] = [1, 0.6, 0.4, 0.3, 0.2, 0.1]): number[][] {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`keepSchedules: runs is ${runs}; expected a positive integer`);
  if (!Number.isInteger(checkpoints) || checkpoints < 1) throw new Error(`keepSchedules: checkpoints is ${checkpoints}; expected a positive integer`);
  for (const f of fractions) if (!(f > 0 && f <= 1)) throw new Error(`keepSchedules: fraction ${f}; expected numbers in (0, 1]`);
  const counts = [...new Set(fractions.map((f) => Math.max(1, Math.round(runs * f))))].sort((a, b) => b - a);
  const out: number[][] = [];
  const extend = (prefix: number[], from: number): void => {
    if (prefix.length === checkpoints) {
      if (prefix.some((k) => k < runs)) out.push(prefix);
      return;
    }
    for (let j = from; j < counts.length; j++) extend([...prefix, counts[j]!], j);
  };
  extend([], 0);
  return out;
}

/** How a selection rule fares on questions it was not chosen on (`heldOutEarlyRejection`). */
export interface HeldOutEarlyRejection {
  readonly splits: number;
  /** Held-out accuracy of the chosen setting minus LTO's on the same held-out questions, averaged over splits. */
  readonly difference: number;
  /** Share of splits whose held-out difference is at least -tolerance. */
  readonly withinTolerance: number;
  /** Held-out latent steps of the chosen setting over LTO's, averaged over splits. */
  readonly stepFraction: number;
}

/**
 * The selection rule judged on validation alone: `splits` times, the questions are shuffled into
 * two halves; (q, m, S) and its thresholds are chosen on one half (`chooseEarlyRejection` with these
 * options) and the expected accuracy and cost of that setting and of LTO are measured on the
 * other. Each half has half the questions, so the rule works here with more noise than on the
 * full split: the check is, if anything, harsher than what the rule faces in use.
 */
export function heldOutEarlyRejection(validationPools: readonly EarlyRejectionPool[], options: EarlyRejectionChoiceOptions & { splits?: number; seed?: Seed }): HeldOutEarlyRejection {
  const { standardErrors } = checkChoiceOptions(options, 'heldOutEarlyRejection');
  return heldOutSelectionRules(validationPools, options, [standardErrors])[0]!;
}

/**
 * `heldOutEarlyRejection` for several selection rules (standard errors) at once, on the same
 * splits: each half's grid is computed once and every rule picks from it.
 */
export function heldOutSelectionRules(validationPools: readonly EarlyRejectionPool[], options: EarlyRejectionChoiceOptions & { splits?: number; seed?: Seed }, standardErrors: readonly number[]): HeldOutEarlyRejection[] {
  checkEarlyRejectionPools(validationPools, 'heldOutEarlyRejection');
  const { tolerance } = checkChoiceOptions(options, 'heldOutEarlyRejection');
  for (const z of standardErrors) if (!(z >= 0) || !Number.isFinite(z)) throw new Error(`heldOutEarlyRejection: standardErrors is ${z}; expected a finite number >= 0`);
  if (validationPools.length < 2) throw new Error(`heldOutEarlyRejection: ${validationPools.length} question; expected at least 2 to split in halves`);
  const splits = options.splits ?? 50;
  if (!Number.isInteger(splits) || splits < 1) throw new Error(`heldOutEarlyRejection: splits is ${splits}; expected a positive integer`);
  const everything = ltoRule(validationPools, options.beta);
  const totals = standardErrors.map(() => ({ difference: 0, within: 0, stepFraction: 0 }));
  for (let s = 0; s < splits; s++) {
    const order = new Rng(deriveSeed(options.seed ?? 0, 'held-out halves', s)).shuffle(validationPools.map((_, q) => q));
    const half = Math.floor(order.length / 2);
    const chooseOn = order.slice(0, half).map((q) => validationPools[q]!);
    const measureOn = order.slice(half).map((q) => validationPools[q]!);
    const grid = chooseEarlyRejection(chooseOn, options).grid;
    const lto = expectedEarlyRejection(measureOn, everything);
    standardErrors.forEach((z, k) => {
      const early = expectedEarlyRejection(measureOn, gridRule(pick(grid, tolerance, z), options.beta));
      const d = early.accuracy - lto.accuracy;
      totals[k]!.difference += d;
      if (d >= -tolerance - 1e-12) totals[k]!.within++;
      totals[k]!.stepFraction += early.latentSteps / lto.latentSteps;
    });
  }
  return totals.map((t) => ({ splits, difference: t.difference / splits, withinTolerance: t.within / splits, stepFraction: t.stepFraction / splits }));
}

/** Restricts an early-rejection pool to its first n runs. */
export function firstEarlyRejectionRuns(pool: EarlyRejectionPool, n: number): EarlyRejectionPool {
  if (!Number.isInteger(n) || n < 1 || n > poolSize(pool)) throw new Error(`firstEarlyRejectionRuns: n is ${n}; expected an integer in 1..${poolSize(pool)}`);
  const take = (v: ArrayLike<number>): number[] => Array.from({ length: n }, (_, i) => v[i]!);
  return {
    ...pool,
    answers: pool.answers.slice(0, n),
    correct: Array.from({ length: n }, (_, i) => Boolean(pool.correct[i])),
    rewards: take(pool.rewards),
    ...(pool.coeR !== undefined ? { coeR: take(pool.coeR) } : {}),
    ...(pool.coeC !== undefined ? { coeC: take(pool.coeC) } : {}),
    latentSteps: take(pool.latentSteps),
    checkpoints: { rewards: pool.checkpoints.rewards.map(take), costs: pool.checkpoints.costs.map(take) },
  };
}

/** Token-prefix trajectories of a set: for each checkpoint k, every run's latents mean-pooled over its first min(k, tokens) tokens. */
export interface TokenPrefixes {
  /** k: number of generated tokens seen at each checkpoint (increasing). */
  readonly tokens: readonly number[];
  /** One [runs, T + 1, width] array per checkpoint. */
  readonly trajectories: readonly TrajectoryArray[];
}

/** Checks token-prefix checkpoints: increasing positive integers. */
export function checkTokenCheckpoints(tokens: readonly number[], what: string): void {
  if (!Array.isArray(tokens) || tokens.length === 0) throw new Error(`${what}: token checkpoints are empty; expected increasing positive integers`);
  tokens.forEach((k, c) => {
    if (!Number.isInteger(k) || k < 1 || (c > 0 && k <= tokens[c - 1]!)) throw new Error(`${what}: token checkpoint ${c} is ${k}; expected increasing positive integers`);
  });
}

/**
 * Mean-pools each run's first k token latents (the set must have been sampled with
 * `keepTokenLatents: true` and mean pooling), for every k in `tokens`. This is what an online
 * sampler can score after generating k tokens of a candidate.
 */
export function tokenPrefixTrajectories(set: TrajectorySet, tokens: readonly number[]): TokenPrefixes {
  checkTokenCheckpoints(tokens, 'tokenPrefixTrajectories');
  if (!set.tokenLatents) throw new Error('tokenPrefixTrajectories: the set has no token latents; sample it with keepTokenLatents: true');
  const { states, width } = set;
  const per = states * width;
  const trajectories = tokens.map(() => new Float32Array(set.size * per));
  const sum = new Float64Array(per);
  for (let r = 0; r < set.size; r++) {
    const latents = set.tokenLatentsOf(r);
    const count = set.runs[r]!.tokens;
    sum.fill(0);
    let used = 0;
    tokens.forEach((k, c) => {
      const upTo = Math.min(k, count);
      for (; used < upTo; used++) for (let i = 0; i < per; i++) sum[i]! += latents[used * per + i]!;
      const out = trajectories[c]!;
      for (let i = 0; i < per; i++) out[r * per + i] = sum[i]! / used;
    });
  }
  return { tokens: [...tokens], trajectories: trajectories.map((data) => ({ data, runs: set.size, steps: states, width })) };
}
