/**
 * Test-time noise: upstream Huginn's `test_time_noise` (`_maybe_inject_noise`). Before every
 * recurrence step the state entering the adapter is mixed with fresh Gaussian noise and then
 * renormalised by the last core block's norm_4:
 *
 *   n = test_time_noise * init_values.std * embed_scale,  k = amount(schedule, step, n)
 *   x <- norm_4((1 - k) x + k * randn)
 *
 * with step counted from 0 and amount: fixed k = n; geom n / (step + 1); sqrt n / sqrt(step + 1);
 * line max(n, (mean_recurrence - step) / mean_recurrence); chi 2 u n with u uniform in [0, 1).
 * Upstream draws chi's u once per call for the whole batch; here each row draws its own, so that
 * a run's noise never depends on which runs share its batch (the same rule as the initial state).
 *
 * A single initial state rarely changes a small model's answer (the recurrence contracts to the
 * same fixed point from anywhere); noise at every step is what keeps runs apart, as it does for
 * Huginn when its authors sample diverse latent thoughts.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, deriveSeed, type Seed } from '../tensor/random.js';
import type { HuginnConfig } from './config.js';
import { rmsNorm } from './layers/rms-norm.js';

export const NOISE_SCHEDULES = ['fixed', 'geom', 'sqrt', 'line', 'chi'] as const;
export type NoiseSchedule = (typeof NOISE_SCHEDULES)[number];

export interface TestTimeNoise {
  /** `test_time_noise`: multiple of init std * embed_scale; 0 turns the noise off. */
  readonly scale: number;
  readonly schedule: NoiseSchedule;
}

/** Checks a noise setting; `what` names it in errors. */
export function checkTestTimeNoise(noise: TestTimeNoise, what = 'test-time noise'): TestTimeNoise {
  if (!(noise.scale >= 0) || !Number.isFinite(noise.scale)) throw new Error(`${what}: scale must be a finite number >= 0, got ${noise.scale}`);
  if (!(NOISE_SCHEDULES as readonly string[]).includes(noise.schedule)) {
    throw new Error(`${what}: schedule must be one of ${NOISE_SCHEDULES.join(', ')}, got ${JSON.stringify(noise.schedule)}`);
  }
  return { scale: noise.scale, schedule: noise.schedule };
}

/** The mixing weight k of one row at 0-based step `step` (`uniform` feeds the chi schedule). */
export function noiseAmount(noise: TestTimeNoise, config: HuginnConfig, step: number, uniform: () => number): number {
  const n = noise.scale * config.initStd * config.embedScale;
  switch (noise.schedule) {
    case 'fixed':
      return n;
    case 'geom':
      return n / (step + 1);
    case 'sqrt':
      return n / Math.sqrt(step + 1);
    case 'line':
      return Math.max(n, (config.meanRecurrence - step) / config.meanRecurrence);
    case 'chi':
      return 2 * uniform() * n;
  }
}

/**
 * Per-row seeded noise for the recurrence: row i draws from deriveSeed(rowSeeds[i], 'step-noise'),
 * continued step after step and token after token, like the initial-state streams.
 */
export class StepNoiseSampler {
  private readonly streams: Rng[];
  readonly noise: TestTimeNoise;

  constructor(
    private readonly config: HuginnConfig,
    rowSeeds: readonly Seed[],
    noise: TestTimeNoise,
  ) {
    this.noise = checkTestTimeNoise(noise);
    this.streams = rowSeeds.map((s) => new Rng(deriveSeed(s, 'step-noise')));
  }

  get rows(): number {
    return this.streams.length;
  }

  get active(): boolean {
    return this.noise.scale > 0;
  }

  /**
   * Mixes noise into `state` [rows, S, h] before the 0-based recurrence step `step`, and
   * renormalises with `norm4` (the last core block's). Returns a new tensor; with the noise off,
   * returns `state` itself (the caller must not dispose it twice). Rows marked inactive (exited
   * early; their result is discarded) draw nothing, so a row's stream never depends on how long
   * the other rows of its batch keep computing; nor do padding positions (`tokenMask[r][p]` = 0),
   * so it does not depend on the batch's left padding either.
   */
  perturb(state: tf.Tensor3D, step: number, norm4: tf.Tensor1D, activeRows?: readonly boolean[], tokenMask?: readonly (readonly number[])[]): tf.Tensor3D {
    if (!this.active) return state;
    const [rows, positions, h] = state.shape;
    if (rows !== this.streams.length) throw new Error(`step-noise sampler has ${this.streams.length} rows, the state has ${rows}`);
    const per = positions * h;
    const draws = new Float32Array(rows * per);
    const amounts = new Float32Array(rows);
    this.streams.forEach((rng, r) => {
      if (activeRows && !activeRows[r]) return;
      amounts[r] = noiseAmount(this.noise, this.config, step, () => rng.uniform());
      for (let p = 0; p < positions; p++) {
        if (tokenMask && tokenMask[r]![p] === 0) continue;
        const base = r * per + p * h;
        for (let i = 0; i < h; i++) draws[base + i] = rng.normal();
      }
    });
    return tf.tidy(() => {
      const k = tf.tensor3d(amounts, [rows, 1, 1]);
      const mixed = tf.add(tf.mul(state, tf.sub(1, k)), tf.mul(tf.tensor3d(draws, [rows, positions, h]), k));
      return rmsNorm(mixed, norm4, this.config.normEps) as tf.Tensor3D;
    });
  }
}
