/**
 * The random initial state s0 of the recurrence. Each entry is drawn from a normal with std
 * sigma = init_values.std * initScale truncated to [-3 sigma, 3 sigma], then multiplied by
 * embed_scale (Huginn's `initialize_state`). initScale = 0, or `state_init: "zero"` in the
 * config, gives s0 = 0.
 *
 * Every row (one run of one prompt) has its own seeded stream, continued position by position,
 * so a run's noise does not depend on which other runs share its batch, and generation draws the
 * state of each new token from the same stream. Padding positions (mask 0) draw nothing and start
 * from zero, so neither does it depend on how much left padding the batch needed.
 */
import { Rng, deriveSeed, type Seed } from '../tensor/random.js';
import type { HuginnConfig } from './config.js';

export class InitialStateSampler {
  private readonly streams: Rng[];
  private readonly std: number;

  /**
   * @param rowSeeds one seed per batch row.
   * @param initScale multiplier of the configured std (the paper widens it for diversity);
   *   default: the config's test_time_init_scale.
   */
  constructor(
    private readonly config: HuginnConfig,
    rowSeeds: readonly Seed[],
    readonly initScale = config.testTimeInitScale,
  ) {
    if (!(initScale >= 0) || !Number.isFinite(initScale)) throw new Error(`initScale must be a finite number >= 0, got ${initScale}`);
    this.streams = rowSeeds.map((s) => new Rng(s));
    this.std = config.stateInit === 'zero' ? 0 : config.initStd * initScale;
  }

  /** One seed per row: row i of a call seeded `seed` uses deriveSeed(seed, 'row', i). */
  static rowSeeds(seed: Seed, rows: number): number[] {
    return Array.from({ length: rows }, (_, i) => deriveSeed(seed, 'row', i));
  }

  get rows(): number {
    return this.streams.length;
  }

  /**
   * Draws the states of the next `positions` positions of every row: [rows, positions, h]
   * row-major. `tokenMask[r][p]` = 0 marks padding, which gets zeros and consumes no draws.
   */
  next(positions: number, tokenMask?: readonly (readonly number[])[]): Float32Array {
    const h = this.config.nEmbd;
    const per = positions * h;
    const out = new Float32Array(this.streams.length * per);
    if (this.std === 0) return out;
    const scale = this.config.embedScale;
    this.streams.forEach((rng, r) => {
      for (let p = 0; p < positions; p++) {
        if (tokenMask && tokenMask[r]![p] === 0) continue;
        const base = r * per + p * h;
        for (let i = 0; i < h; i++) out[base + i] = rng.truncatedNormal(this.std, 3) * scale;
      }
    });
    return out;
  }
}
