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
