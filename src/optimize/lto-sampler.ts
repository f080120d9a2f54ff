/**
 * Latent Thinking Optimization's acceptance-rejection sampler, as in the paper (and the
 * statistical rejection sampling of arXiv 2309.06657 it follows): with r_max the largest reward
 * among the remaining candidates, each candidate is accepted with probability
 * exp((r - r_max) / beta); passes over the remaining candidates repeat until M are accepted, and
 * the output is the first accepted candidate. The best remaining candidate is accepted with
 * probability 1, so every pass accepts at least one and the sampler always terminates.
 *
 * How the pool is consumed: the N candidates were all sampled and scored beforehand (r_max needs
 * every reward), and are tested in pool order (`order: 'given'`, as the reference code iterates
 * its candidate dictionary; pool order is already random since runs are i.i.d.) or in a fresh
 * seeded random order each pass (`'shuffled'`). Accepted candidates leave the pool (no
 * replacement); rejected ones are tested again in the next pass. As beta -> 0 the output tends to
 * the highest-reward candidate (best-of-N); as beta -> infinity to the first one tested.
 */
import { Rng, type Seed } from '../tensor/random.js';
import { checkScores } from './candidate-pool.js';

export type CandidateOrder = 'given' | 'shuffled';

export interface LtoOptions {
  /** KL weight beta > 0 (Infinity allowed: accept everything). The paper uses 1e-3 or 1e-2. */
  readonly beta: number;
  /** Number of candidates to accept, M >= 1 (default 1, as in the paper). */
  readonly accept?: number;
  readonly seed: Seed;
  /** Order in which candidates are tested within a pass (default `given`). */
  readonly order?: CandidateOrder;
}

export interface LtoSample {
  /** The output: the first accepted candidate (run index). */
  readonly selected: number;
  /** Accepted candidates in acceptance order (M of them). */
  readonly accepted: readonly number[];
  /** Acceptance tests drawn (a candidate tested in several passes counts each time). */
  readonly tests: number;
  /** Passes over the remaining candidates. */
  readonly passes: number;
}

/** Checks beta and M; returns M. */
export function checkLtoParameters(beta: number, accept: number, candidates: number, what: string): number {
  if (typeof beta !== 'number' || Number.isNaN(beta) || !(beta > 0)) throw new Error(`${what}: beta is ${beta}; expected a number > 0`);
  if (!Number.isInteger(accept) || accept < 1) throw new Error(`${what}: accept (M) is ${accept}; expected an integer >= 1`);
  if (accept > candidates) throw new Error(`${what}: accept (M) is ${accept} but there are only ${candidates} candidates; expected M <= N`);
  return accept;
}

/** Acceptance probability exp((r - rMax) / beta), with beta = Infinity giving 1. */
export function acceptanceProbability(reward: number, maximumReward: number, beta: number): number {
  return beta === Infinity ? 1 : Math.exp((reward - maximumReward) / beta);
}

/** Runs the sampler on one question's candidate rewards. */
export function ltoSample(rewards: ArrayLike<number>, options: LtoOptions): LtoSample {
  const n = rewards.length;
  if (n === 0) throw new Error('ltoSample: rewards is empty; expected at least one candidate');
  checkScores(rewards, n, 'ltoSample: rewards');
  const accept = checkLtoParameters(options.beta, options.accept ?? 1, n, 'ltoSample');
  const order = options.order ?? 'given';
  if (order !== 'given' && order !== 'shuffled') throw new Error(`ltoSample: order is ${JSON.stringify(order)}; expected "given" or "shuffled"`);
  const rng = new Rng(options.seed);
  let remaining = Array.from({ length: n }, (_, i) => i);
  const accepted: number[] = [];
  let tests = 0;
  let passes = 0;
  while (accepted.length < accept) {
    passes++;
    let maximum = -Infinity;
    for (const i of remaining) maximum = Math.max(maximum, rewards[i]!);
    const pass = order === 'shuffled' ? rng.shuffle([...remaining]) : remaining;
    const acceptedThisPass = new Set<number>();
    for (const i of pass) {
      tests++;
      if (rng.uniform() < acceptanceProbability(rewards[i]!, maximum, options.beta)) {
        accepted.push(i);
        acceptedThisPass.add(i);
        if (accepted.length === accept) break;
      }
    }
    remaining = remaining.filter((i) => !acceptedThisPass.has(i));
  }
  return { selected: accepted[0]!, accepted, tests, passes };
}

/**
 * The exact distribution of the output for M = 1 and the given order: candidate i is the output
 * with probability a_i * prod_{j < i} (1 - a_j), a_i = exp((r_i - r_max) / beta). (The best
 * candidate has a = 1, so the first pass always ends with an acceptance.)
 */
export function ltoSelectionProbabilities(rewards: ArrayLike<number>, beta: number): Float64Array {
  const n = rewards.length;
  if (n === 0) throw new Error('ltoSelectionProbabilities: rewards is empty; expected at least one candidate');
  checkScores(rewards, n, 'ltoSelectionProbabilities: rewards');
  checkLtoParameters(beta, 1, n, 'ltoSelectionProbabilities');
  let maximum = -Infinity;
  for (let i = 0; i < n; i++) maximum = Math.max(maximum, rewards[i]!);
  const out = new Float64Array(n);
  let notYetAccepted = 1;
  for (let i = 0; i < n; i++) {
    const a = acceptanceProbability(rewards[i]!, maximum, beta);
    out[i] = notYetAccepted * a;
    notYetAccepted *= 1 - a;
  }
  return out;
}
