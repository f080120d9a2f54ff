/**
 * How each run's latent state moves from one recurrence step to the next: the length of the
 * step change |s_{t+1} - s_t| and the cosine between successive states. Per run, O(runs * steps
 * * width).
 */
import type { TrajectoryArray } from '../tensor/trajectory-array.js';
import { checkTrajectories } from './state-matrix.js';

/**
 * One number per run and transition, row-major [runs, transitions]: values[run * transitions +
 * k] describes the move from step k to step k + 1 (transitions = steps - 1).
 */
export interface TransitionValues {
  readonly values: Float64Array;
  readonly runs: number;
  readonly transitions: number;
}

/** |s_{k+1} - s_k| for every run and transition k. */
export function stepChangeNorms(t: TrajectoryArray): TransitionValues {
  return perTransition(t, 'stepChangeNorms', (data, a, b, width) => {
    let sum = 0;
    for (let i = 0; i < width; i++) sum += (data[b + i]! - data[a + i]!) ** 2;
    return Math.sqrt(sum);
  });
}

/** cos(s_k, s_{k+1}) for every run and transition k; a zero state is an error (no direction). */
export function successiveCosines(t: TrajectoryArray): TransitionValues {
  return perTransition(t, 'successiveCosines', (data, a, b, width, run, step) => cosineAt(data, a, b, width, run, step, step + 1, 'successiveCosines'));
}

/** Angles in radians, arccos of successiveCosines (used by the Chain-of-Embedding features). */
export function successiveAngles(t: TrajectoryArray): TransitionValues {
  const cosines = successiveCosines(t);
  return { ...cosines, values: cosines.values.map(Math.acos) };
}

/**
 * Cosine between the states at offsets a and b of `data` (clamped to [-1, 1] against round-off).
 * `run`, `stepA`, `stepB` only name the states in the error for a zero vector.
 */
export function cosineAt(data: ArrayLike<number>, a: number, b: number, width: number, run: number, stepA: number, stepB: number, what: string): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < width; i++) {
    const x = data[a + i]!;
    const y = data[b + i]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  if (!(normA > 0 && normB > 0)) {
    throw new Error(`${what}: run ${run} has a zero state at step ${normA > 0 ? stepB : stepA}, so its direction (cosine) is undefined`);
  }
  return Math.min(1, Math.max(-1, dot / Math.sqrt(normA * normB)));
}

type TransitionFunction = (data: Float32Array, from: number, to: number, width: number, run: number, step: number) => number;

function perTransition(t: TrajectoryArray, what: string, f: TransitionFunction): TransitionValues {
  checkTrajectories(t, `${what} trajectories`);
  const transitions = t.steps - 1;
  const values = new Float64Array(t.runs * transitions);
  for (let run = 0; run < t.runs; run++) {
    for (let k = 0; k < transitions; k++) {
      const from = (run * t.steps + k) * t.width;
      values[run * transitions + k] = f(t.data, from, from + t.width, t.width, run, k);
    }
  }
  return { values, runs: t.runs, transitions };
}
