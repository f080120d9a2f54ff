/**
 * Answer voting over a question's runs: plain majority (self-consistency) and majority weighted
 * by the LRM reward. Runs without an answer ('') do not vote. Ties are broken deterministically
 * in favour of the answer that appears first in run order; the vote's representative run (whose
 * correctness is the vote's) is the first run giving the winning answer. With no answer at all,
 * the result is run 0 with answer ''.
 */
import { checkScores } from './candidate-pool.js';

export interface VoteResult {
  /** The winning answer ('' when no run answered). */
  readonly answer: string;
  /** The first run giving that answer. */
  readonly run: number;
  /** The winner's total (count, or summed weight). */
  readonly total: number;
}

function tally(answers: readonly string[], weightOf: (i: number) => number, what: string): VoteResult {
  if (!Array.isArray(answers) || answers.length === 0) throw new Error(`${what}: answers is empty; expected at least one run`);
  const totals = new Map<string, { total: number; first: number }>();
  answers.forEach((a, i) => {
    if (typeof a !== 'string') throw new Error(`${what}: answers[${i}] is ${JSON.stringify(a)}; expected a string`);
    if (a === '') return;
    const entry = totals.get(a);
    if (entry) entry.total += weightOf(i);
    else totals.set(a, { total: weightOf(i), first: i });
  });
  let best: { answer: string; total: number; first: number } | undefined;
  // Map iteration follows first appearance, so a strict > keeps the earliest among ties.
  for (const [answer, { total, first }] of totals) if (best === undefined || total > best.total) best = { answer, total, first };
  return best ? { answer: best.answer, run: best.first, total: best.total } : { answer: '', run: 0, total: 0 };
}

/** The most frequent non-empty answer. */
export function majorityVote(answers: readonly string[]): VoteResult {
  return tally(answers, () => 1, 'majorityVote');
}

/** The non-empty answer with the largest summed weight (weights: finite, >= 0, e.g. LRM rewards). */
export function weightedMajorityVote(answers: readonly string[], weights: ArrayLike<number>): VoteResult {
  checkScores(weights, answers.length, 'weightedMajorityVote: weights');
  for (let i = 0; i < weights.length; i++) if (weights[i]! < 0) throw new Error(`weightedMajorityVote: weights[${i}] is ${weights[i]}; expected weights >= 0 (use rewards, not logits)`);
  return tally(answers, (i) => weights[i]!, 'weightedMajorityVote');
}
