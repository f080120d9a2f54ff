/**
 * A set of latent states as a plain row-major matrix [rows, width]: the input of every
 * population metric (entropy, effective rank, anisotropy, intrinsic dimension) and of the
 * projections. Plain data, so that callers can pass the states of one step, of one run, or of
 * every run at every step without a class in between.
 */
import { statesAtStep, type TrajectoryArray } from '../tensor/trajectory-array.js';

/** Thrown when a metric is undefined for the given states (too few of them, or all identical). */
export class InsufficientDataError extends Error {
  override name = 'InsufficientDataError';
}

export interface StateMatrix {
  readonly data: Float32Array | Float64Array;
  readonly rows: number;
  readonly width: number;
}

/**
 * Wraps `data` as a [rows, width] matrix after checking sizes and that every value is finite.
 * `what` names the argument in errors.
 */
export function stateMatrix(data: Float32Array | Float64Array, rows: number, width: number, what = 'states'): StateMatrix {
  const matrix = { data, rows, width };
  checkStateMatrix(matrix, what);
  return matrix;
}

/** Throws a clear error unless `m` is a well-formed, finite [rows, width] matrix. */
export function checkStateMatrix(m: StateMatrix, what = 'states', minRows = 0): void {
  if (!Number.isInteger(m.rows) || m.rows < 0) throw new Error(`${what}: rows must be a non-negative integer, got ${m.rows}`);
  if (!Number.isInteger(m.width) || m.width < 1) throw new Error(`${what}: width must be a positive integer, got ${m.width}`);
  if (m.data.length !== m.rows * m.width) {
    throw new Error(`${what}: ${m.data.length} values, expected rows x width = ${m.rows} x ${m.width} = ${m.rows * m.width}`);
  }
  if (m.rows < minRows) throw new Error(`${what}: needs at least ${minRows} states, got ${m.rows}`);
  checkFinite(m.data, what, m.width);
}

/** Throws on the first NaN or infinity, naming its row and column (rows of `width` values). */
export function checkFinite(data: ArrayLike<number>, what: string, width: number): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new Error(`${what}: value at row ${Math.floor(i / width)}, column ${i % width} is ${data[i]}, expected a finite number`);
    }
  }
}

/** Throws a clear error unless `t` is a well-formed trajectory array of finite values. */
export function checkTrajectories(t: TrajectoryArray, what = 'trajectories'): void {
  for (const [name, value, min] of [['runs', t.runs, 0], ['steps', t.steps, 1], ['width', t.width, 1]] as const) {
    if (!Number.isInteger(value) || value < min) throw new Error(`${what}: ${name} must be an integer >= ${min}, got ${value}`);
  }
  if (t.data.length !== t.runs * t.steps * t.width) {
    throw new Error(`${what}: ${t.data.length} values, expected runs x steps x width = ${t.runs} x ${t.steps} x ${t.width}`);
  }
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i]!)) {
      const run = Math.floor(i / (t.steps * t.width));
      const step = Math.floor(i / t.width) % t.steps;
      throw new Error(`${what}: run ${run}, step ${step}, component ${i % t.width} is ${t.data[i]}, expected a finite number`);
    }
  }
}

/** Throws unless `correct` has one boolean per run. */
export function checkLabels(correct: ArrayLike<boolean>, runs: number, what = 'correct'): void {
  if (correct.length !== runs) throw new Error(`${what}: ${correct.length} labels, expected one per run (${runs})`);
  for (let i = 0; i < correct.length; i++) {
    if (typeof correct[i] !== 'boolean') throw new Error(`${what}: label ${i} is ${String(correct[i])}, expected true or false`);
  }
}

/** The states of every run at `step` (or of the chosen runs only), as a [runs, width] matrix. */
export function statesAt(t: TrajectoryArray, step: number, runs?: ArrayLike<number>): StateMatrix {
  if (runs === undefined) return { data: statesAtStep(t, step), rows: t.runs, width: t.width };
  if (!Number.isInteger(step) || step < 0 || step >= t.steps) throw new Error(`step ${step} is outside 0..${t.steps - 1}`);
  const out = new Float32Array(runs.length * t.width);
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    if (!Number.isInteger(run) || run < 0 || run >= t.runs) throw new Error(`run ${run} is outside 0..${t.runs - 1}`);
    const from = (run * t.steps + step) * t.width;
    out.set(t.data.subarray(from, from + t.width), i * t.width);
  }
  return { data: out, rows: runs.length, width: t.width };
}

/** Every run's state at every step as one [runs * steps, width] matrix (row = run * steps + step). */
export function allStates(t: TrajectoryArray): StateMatrix {
  return { data: t.data, rows: t.runs * t.steps, width: t.width };
}

/** The chosen rows of `m`, in order (repeats allowed), as a new float64 matrix. */
export function gatherRows(m: StateMatrix, rows: ArrayLike<number>): StateMatrix {
  const out = new Float64Array(rows.length * m.width);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let j = 0; j < m.width; j++) out[i * m.width + j] = m.data[r * m.width + j]!;
  }
  return { data: out, rows: rows.length, width: m.width };
}

export interface PreprocessOptions {
  /** Subtract the mean state first. */
  readonly center?: boolean;
  /** Scale every (centred) state to unit length; zero states stay zero. */
  readonly normalizeRows?: boolean;
}

/** A float64 copy of `m`, optionally centred and/or with unit-length rows. */
export function preprocess(m: StateMatrix, options: PreprocessOptions = {}): Float64Array {
  const { rows, width } = m;
  const out = Float64Array.from(m.data);
  if (options.center && rows > 0) {
    const mean = columnMeans(m);
    for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) out[r * width + j]! -= mean[j]!;
  }
  if (options.normalizeRows) {
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = 0; j < width; j++) sum += out[r * width + j]! ** 2;
      if (sum > 0) {
        const scale = 1 / Math.sqrt(sum);
        for (let j = 0; j < width; j++) out[r * width + j]! *= scale;
      }
    }
  }
  return out;
}

/** Mean of each column. */
export function columnMeans(m: StateMatrix): Float64Array {
  const mean = new Float64Array(m.width);
  for (let r = 0; r < m.rows; r++) for (let j = 0; j < m.width; j++) mean[j]! += m.data[r * m.width + j]!;
  for (let j = 0; j < m.width; j++) mean[j]! /= m.rows;
  return mean;
}
