/**
 * The per-question input of LTO and its baselines: N pre-sampled runs (candidates) of one
 * question, each with its answer, its correctness, its LRM reward, optionally the CoE scores and
 * the latent steps it cost. Plain data, so pools can come from any trajectory set or a file.
 */

export interface QuestionPool {
  /**
   * Each run's answer after the caller's normalisation (equal strings = the same answer);
   * '' means no answer was extracted, and such runs do not vote.
   */
  readonly answers: readonly string[];
  /** Whether each run's answer is correct. */
  readonly correct: ArrayLike<boolean>;
  /** Each run's LRM reward (finite; the LRM's are probabilities). */
  readonly rewards: ArrayLike<number>;
  /** Chain-of-Embedding scores per run (higher = more likely correct unless told otherwise). */
  readonly coeR?: ArrayLike<number>;
  readonly coeC?: ArrayLike<number>;
  /** Latent steps each run cost (e.g. T x generated tokens). Default 1 per run, so costs count runs. */
  readonly latentSteps?: ArrayLike<number>;
}

/** Number of runs in a pool. */
export function poolSize(pool: QuestionPool): number {
  return pool.answers.length;
}

/** Checks a finite numeric array of `length` values. */
export function checkScores(values: ArrayLike<number>, length: number, what: string): void {
  if (!values || typeof values.length !== 'number') throw new Error(`${what}: expected an array of ${length} numbers`);
  if (values.length !== length) throw new Error(`${what} has ${values.length} values but the pool has ${length} runs; expected one per run`);
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i]!)) throw new Error(`${what}[${i}] is ${values[i]}; expected a finite number`);
  }
}

/** Validates a pool; `what` names it in errors (e.g. `pools[3]`). */
export function checkPool(pool: QuestionPool, what: string): void {
  if (!pool || !Array.isArray(pool.answers)) throw new Error(`${what}: expected {answers: string[], correct, rewards}`);
  const n = pool.answers.length;
  if (n === 0) throw new Error(`${what}: no runs; expected at least one candidate`);
  pool.answers.forEach((a, i) => {
    if (typeof a !== 'string') throw new Error(`${what}.answers[${i}] is ${JSON.stringify(a)}; expected a string ('' for no answer)`);
  });
  if (!pool.correct || pool.correct.length !== n) throw new Error(`${what}.correct has ${pool.correct?.length} values but the pool has ${n} runs; expected one per run`);
  checkScores(pool.rewards, n, `${what}.rewards`);
  if (pool.coeR !== undefined) checkScores(pool.coeR, n, `${what}.coeR`);
  if (pool.coeC !== undefined) checkScores(pool.coeC, n, `${what}.coeC`);
  if (pool.latentSteps !== undefined) {
    checkScores(pool.latentSteps, n, `${what}.latentSteps`);
    for (let i = 0; i < n; i++) if (pool.latentSteps[i]! < 0) throw new Error(`${what}.latentSteps[${i}] is ${pool.latentSteps[i]}; expected a non-negative number`);
  }
}

/** Latent steps of run `i` (1 when the pool does not say). */
export function runCost(pool: QuestionPool, i: number): number {
  return pool.latentSteps ? pool.latentSteps[i]! : 1;
}

/** Latent steps of the whole pool. */
export function poolCost(pool: QuestionPool): number {
  let sum = 0;
  for (let i = 0; i < poolSize(pool); i++) sum += runCost(pool, i);
  return sum;
}

/** The pool restricted to its first n runs (accuracy versus N: the first n of the same samples). */
export function firstRuns(pool: QuestionPool, n: number): QuestionPool {
  if (!Number.isInteger(n) || n < 1 || n > poolSize(pool)) throw new Error(`firstRuns: n is ${n}; expected an integer in 1..${poolSize(pool)} (the pool size)`);
  const take = <T>(values: ArrayLike<T> | undefined): T[] | undefined => (values === undefined ? undefined : Array.from({ length: n }, (_, i) => values[i]!));
  return {
    answers: pool.answers.slice(0, n),
    correct: take(pool.correct)!,
    rewards: take(pool.rewards)!,
    ...(pool.coeR !== undefined ? { coeR: take(pool.coeR)! } : {}),
    ...(pool.coeC !== undefined ? { coeC: take(pool.coeC)! } : {}),
    ...(pool.latentSteps !== undefined ? { latentSteps: take(pool.latentSteps)! } : {}),
  };
}
