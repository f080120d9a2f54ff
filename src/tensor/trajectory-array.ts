/**
 * Latent trajectories as one flat float32 array: `runs` trajectories of `steps` states of
 * `width` numbers, row-major [runs, steps, width]. The plain-data currency between trajectory
 * sets, the analysis functions and the reward models, so that the pure maths never needs a
 * tensor, a file or a class instance.
 */
export interface TrajectoryArray {
  readonly data: Float32Array;
  readonly runs: number;
  readonly steps: number;
  readonly width: number;
}

/** Wraps `data` as a trajectory array, checking that the sizes agree. `what` names it in errors. */
export function trajectoryArray(data: Float32Array, runs: number, steps: number, width: number, what = 'trajectories'): TrajectoryArray {
  for (const [name, value] of [['runs', runs], ['steps', steps], ['width', width]] as const) {
    if (!Number.isInteger(value) || value < (name === 'runs' ? 0 : 1)) throw new Error(`${what}: ${name} must be an integer >= ${name === 'runs' ? 0 : 1}, got ${value}`);
  }
  if (data.length !== runs * steps * width) {
    throw new Error(`${what}: ${data.length} values, expected runs x steps x width = ${runs} x ${steps} x ${width} = ${runs * steps * width}`);
  }
  return { data, runs, steps, width };
}

/** The states of every run at one step, as a fresh [runs, width] row-major array. */
export function statesAtStep(t: TrajectoryArray, step: number): Float32Array {
  if (!Number.isInteger(step) || step < 0 || step >= t.steps) throw new Error(`step ${step} is outside 0..${t.steps - 1}`);
  const out = new Float32Array(t.runs * t.width);
  for (let r = 0; r < t.runs; r++) {
    const from = (r * t.steps + step) * t.width;
    out.set(t.data.subarray(from, from + t.width), r * t.width);
  }
  return out;
}

/** A view of one run's trajectory, [steps, width] (shares memory with `t.data`). */
export function runTrajectory(t: TrajectoryArray, run: number): Float32Array {
  if (!Number.isInteger(run) || run < 0 || run >= t.runs) throw new Error(`run ${run} is outside 0..${t.runs - 1}`);
  return t.data.subarray(run * t.steps * t.width, (run + 1) * t.steps * t.width);
}

/** The trajectories of the chosen runs, in the given order, as a new array. */
export function selectRuns(t: TrajectoryArray, runs: ArrayLike<number>): TrajectoryArray {
  const size = t.steps * t.width;
  const out = new Float32Array(runs.length * size);
  for (let i = 0; i < runs.length; i++) out.set(runTrajectory(t, runs[i]!), i * size);
  return { data: out, runs: runs.length, steps: t.steps, width: t.width };
}
