/** Small helpers shared by the procedural task generators. */
import type { Rng } from '../../tensor/random.js';
import { type GeneratedTask, MAX_QUESTION_CHARS, MAX_TARGET_CHARS, checkDifficulty, targetText } from '../task.js';

/** A uniformly chosen element of a non-empty list. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick: empty list');
  return items[rng.int(items.length)]!;
}

/** A uniform integer in [lo, hi] (inclusive; requires lo <= hi). */
export function intBetween(rng: Rng, lo: number, hi: number): number {
  if (!(Number.isInteger(lo) && Number.isInteger(hi)) || lo > hi) {
    throw new Error(`intBetween: empty or non-integer range [${lo}, ${hi}]`);
  }
  return lo + rng.int(hi - lo + 1);
}

/** True when the texts respect the length bounds every task promises. */
export function isShortEnough(task: GeneratedTask): boolean {
  return task.question.length <= MAX_QUESTION_CHARS && targetText(task).length <= MAX_TARGET_CHARS;
}

/**
 * Draws drafts until one fits the length bounds. Redrawing (rather than truncating) keeps every
 * text well-formed; it slightly favours smaller numbers at difficulty 5, where the worked solution
 * is longest. Only a handful of draws are ever needed, the cap guards against a generator bug.
 */
export function drawShortTask(
  domain: string,
  rng: Rng,
  difficulty: number,
  draft: (rng: Rng, difficulty: number) => GeneratedTask,
): GeneratedTask {
  checkDifficulty(difficulty);
  const maxDraws = 10_000;
  for (let i = 0; i < maxDraws; i++) {
    const task = draft(rng, difficulty);
    if (isShortEnough(task)) return task;
  }
  throw new Error(`${domain} generator: no draft within the length limits after ${maxDraws} draws (difficulty ${difficulty})`);
}
