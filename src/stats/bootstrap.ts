/**
 * Seeded percentile bootstrap. Resampling is over units the caller chooses (questions, for
 * accuracies: runs of one question are not independent), expressed as indices 0..n-1.
 */
import { Rng, type Seed } from '../tensor/random.js';

export interface Interval {
  /** The statistic on the original sample. */
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  /** Confidence level, e.g. 0.95. */
  readonly level: number;
}

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  readonly samples?: number;
  /** Confidence level (default 0.95). */
  readonly level?: number;
  readonly seed?: Seed;
}

/** The q-quantile (0..1) of sorted values, linear interpolation (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new Error('quantile of an empty sample');
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

function checkOptions(n: number, o: BootstrapOptions): { samples: number; level: number } {
  const samples = o.samples ?? 1000;
  const level = o.level ?? 0.95;
  if (!Number.isInteger(n) || n < 1) throw new Error(`bootstrap: needs at least one unit, got ${n}`);
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`bootstrap: samples must be a positive integer, got ${samples}`);
  if (!(level > 0 && level < 1)) throw new Error(`bootstrap: level must be in (0, 1), got ${level}`);
  return { samples, level };
}

/** Draws `samples` resamples of n indices; the statistic of each, in draw order. */
export function bootstrapDistribution(n: number, statistic: (indices: Int32Array) => number, options: BootstrapOptions = {}): number[] {
  const { samples } = checkOptions(n, options);
  const rng = new Rng(options.seed ?? 0);
  const indices = new Int32Array(n);
  const values: number[] = [];
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < n; i++) indices[i] = rng.int(n);
    values.push(statistic(indices));
  }
  return values;
}

/** Percentile bootstrap interval of `statistic` over n resampled units. */
export function bootstrapInterval(n: number, statistic: (indices: Int32Array) => number, options: BootstrapOptions = {}): Interval {
  const { level } = checkOptions(n, options);
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const values = bootstrapDistribution(n, statistic, options).filter(Number.isFinite).sort((a, b) => a - b);
  if (values.length === 0) throw new Error('bootstrap: the statistic was not finite on any resample');
  const tail = (1 - level) / 2;
  return { estimate: statistic(identity), lower: quantileSorted(values, tail), upper: quantileSorted(values, 1 - tail), level };
}

/** Mean of `values` with a percentile bootstrap interval. */
export function meanInterval(values: ArrayLike<number>, options: BootstrapOptions = {}): Interval {
  return bootstrapInterval(values.length, (indices) => {
    let sum = 0;
    for (const i of indices) sum += values[i]!;
    return sum / indices.length;
  }, options);
}

/**
 * Two-sided paired bootstrap test that two methods scored on the same units (e.g. 0/1 correct
 * per question) have the same mean: the p-value is twice the smaller share of resampled mean
 * differences on either side of zero, as (2k + 1) / (samples + 1) so that it is never exactly 0.
 */
export function pairedBootstrapPValue(a: ArrayLike<number>, b: ArrayLike<number>, options: BootstrapOptions = {}): number {
  if (a.length !== b.length) throw new Error(`paired test: ${a.length} and ${b.length} values`);
  const differences = Array.from({ length: a.length }, (_, i) => a[i]! - b[i]!);
  if (differences.every((d) => d === 0)) return 1;
  const values = bootstrapDistribution(a.length, (indices) => {
    let sum = 0;
    for (const i of indices) sum += differences[i]!;
    return sum / indices.length;
  }, options);
  const atOrBelow = values.filter((v) => v <= 0).length;
  const atOrAbove = values.filter((v) => v >= 0).length;
  return Math.min(1, (2 * Math.min(atOrBelow, atOrAbove) + 1) / (values.length + 1));
}
