/**
 * A synthetic LRM problem: every run starts from pure noise (step 0 carries no label
 * information) and then random-walks, correct runs drifting along a fixed direction and incorrect
 * runs against it, so correctness becomes readable only as steps accumulate.
 */
import { Rng, type Seed } from '../../src/tensor/random.js';
import { trajectoryArray } from '../../src/tensor/trajectory-array.js';
import type { LabelledTrajectories } from '../../src/reward/labelled-trajectories.js';

export interface SyntheticOptions {
  readonly runs: number;
  readonly steps: number;
  readonly width: number;
  /** Drift per step along the label direction (default 0.5). */
  readonly drift?: number;
  /** Share of correct runs (default 0.4, imbalanced on purpose). */
  readonly positiveShare?: number;
  readonly seed: Seed;
}

export function syntheticTrajectories(o: SyntheticOptions): LabelledTrajectories {
  const rng = new Rng(o.seed);
  const direction = new Float64Array(o.width);
  // A fixed direction (not seed-dependent), so that train/validation/test sets share it.
  for (let j = 0; j < o.width; j++) direction[j] = (j % 2 === 0 ? 1 : -1) / Math.sqrt(o.width);
  const data = new Float32Array(o.runs * o.steps * o.width);
  const correct: boolean[] = [];
  const drift = o.drift ?? 0.5;
  for (let r = 0; r < o.runs; r++) {
    const positive = rng.uniform() < (o.positiveShare ?? 0.4);
    correct.push(positive);
    const state = Float64Array.from({ length: o.width }, () => rng.normal());
    for (let t = 0; t < o.steps; t++) {
      if (t > 0) for (let j = 0; j < o.width; j++) state[j] += (positive ? drift : -drift) * direction[j]! + 0.5 * rng.normal();
      data.set(state, (r * o.steps + t) * o.width);
    }
  }
  return { trajectories: trajectoryArray(data, o.runs, o.steps, o.width), correct };
}
