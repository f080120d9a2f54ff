/**
 * The LRM's training and evaluation data: trajectories with a correctness label per run, and the
 * checks and batch assembly shared by fitting and scoring.
 */
import type { TrajectoryArray } from '../tensor/trajectory-array.js';

export interface LabelledTrajectories {
  /** [runs, steps, width]: latent.0 .. latent.T of each run, pooled over answer tokens. */
  readonly trajectories: TrajectoryArray;
  /** correct[i]: whether run i's decoded answer was correct (the label). */
  readonly correct: ArrayLike<boolean>;
  /**
   * The runs of each question (indices into trajectories), when known. Needed by the ranking
   * objective (FitOptions.rankingWeight), which compares a question's runs with each other.
   */
  readonly groups?: readonly (readonly number[])[];
}

/** Checks `groups`: every run in exactly one group, no empty group. `what` names the set. */
export function checkGroups(groups: readonly (readonly number[])[], runs: number, what: string): void {
  if (!Array.isArray(groups)) throw new Error(`${what}: groups must be an array of run-index arrays`);
  const seen = new Uint8Array(runs);
  groups.forEach((g, q) => {
    if (!Array.isArray(g) || g.length === 0) throw new Error(`${what}: groups[${q}] is empty; expected the runs of one question`);
    for (const r of g) {
      if (!Number.isInteger(r) || r < 0 || r >= runs) throw new Error(`${what}: groups[${q}] has run ${r}; expected an index in 0..${runs - 1}`);
      if (seen[r]) throw new Error(`${what}: run ${r} is in two groups; expected each run in exactly one`);
      seen[r] = 1;
    }
  });
  const missing = seen.indexOf(0);
  if (missing >= 0) throw new Error(`${what}: run ${missing} is in no group; expected each run in exactly one`);
}

/** Checks the shape of a trajectory array and that its values are finite. `what` names it. */
export function checkFiniteTrajectories(t: TrajectoryArray, what: string): void {
  if (!t || !(t.data instanceof Float32Array)) throw new Error(`${what}: expected a TrajectoryArray {data: Float32Array, runs, steps, width}`);
  if (t.data.length !== t.runs * t.steps * t.width) {
    throw new Error(`${what}: ${t.data.length} values, expected runs x steps x width = ${t.runs} x ${t.steps} x ${t.width}`);
  }
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i]!)) {
      const run = Math.floor(i / (t.steps * t.width));
      throw new Error(`${what}: value ${i} (run ${run}) is ${t.data[i]}; expected finite numbers`);
    }
  }
}

/** Checks a labelled set: finite trajectories, one label per run, optionally both classes. */
export function checkLabelled(set: LabelledTrajectories, what: string, needBothClasses: boolean): { positives: number; negatives: number } {
  if (!set || !set.trajectories || !set.correct) throw new Error(`${what}: expected {trajectories, correct}`);
  checkFiniteTrajectories(set.trajectories, `${what}.trajectories`);
  const runs = set.trajectories.runs;
  if (set.correct.length !== runs) throw new Error(`${what}: correct has ${set.correct.length} labels but trajectories has ${runs} runs; expected one label per run`);
  if (runs === 0) throw new Error(`${what}: no runs; expected at least one`);
  let positives = 0;
  for (let i = 0; i < runs; i++) if (set.correct[i]) positives++;
  const negatives = runs - positives;
  if (needBothClasses && (positives === 0 || negatives === 0)) {
    throw new Error(`${what}: needs both correct and incorrect runs, got ${positives} correct and ${negatives} incorrect`);
  }
  return { positives, negatives };
}

/** Copies the first `steps` steps of the chosen runs into a new [runs.length, steps, width] array. */
export function gatherPrefix(t: TrajectoryArray, runs: ArrayLike<number>, steps: number): Float32Array {
  const w = t.width;
  const out = new Float32Array(runs.length * steps * w);
  for (let i = 0; i < runs.length; i++) {
    const from = runs[i]! * t.steps * w;
    out.set(t.data.subarray(from, from + steps * w), i * steps * w);
  }
  return out;
}
