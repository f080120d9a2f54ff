/** Baselines that pick one run: a single run, the best run by a score, and the pass@N oracle. */
import { Rng, type Seed } from '../tensor/random.js';
import { checkScores } from './candidate-pool.js';

/** Which run the single-run baseline uses: a fixed index, or a seeded random one. */
export type SingleRunChoice = number | { readonly random: Seed };

/** The single-run baseline: run `choice` (default 0), or a uniformly random run. */
export function singleRun(runs: number, choice: SingleRunChoice = 0): number {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`singleRun: runs is ${runs}; expected a positive integer`);
  if (typeof choice === 'number') {
    if (!Number.isInteger(choice) || choice < 0 || choice >= runs) throw new Error(`singleRun: run ${choice} is outside 0..${runs - 1}`);
    return choice;
  }
  return new Rng(choice.random).int(runs);
}

/** The run with the highest score (lowest score if `higherIsBetter` is false); ties go to the lowest index. */
export function bestByScore(scores: ArrayLike<number>, higherIsBetter = true): number {
  if (scores.length === 0) throw new Error('bestByScore: scores is empty; expected at least one run');
  checkScores(scores, scores.length, 'bestByScore: scores');
  let best = 0;
  for (let i = 1; i < scores.length; i++) {
    if (higherIsBetter ? scores[i]! > scores[best]! : scores[i]! < scores[best]!) best = i;
  }
  return best;
}

/** The oracle (pass@N upper bound): the first correct run, or run 0 when none is correct. */
export function oracleRun(correct: ArrayLike<boolean>): number {
  if (correct.length === 0) throw new Error('oracleRun: correct is empty; expected at least one run');
  for (let i = 0; i < correct.length; i++) if (correct[i]) return i;
  return 0;
}
