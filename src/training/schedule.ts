/**
 * Schedules of upstream Huginn training: the number of recurrence steps per batch and the
 * learning rate.
 */
import type { Rng } from '../tensor/random.js';

/** Poisson sample by inversion (small means only, as used here). */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.uniform();
  while (p > limit) {
    k++;
    p *= rng.uniform();
  }
  return k;
}

/**
 * Steps for one batch, "poisson-lognormal-filling": tau ~ LogNormal(ln(mean) - s^2/2, s = 0.5),
 * p = Poisson(tau) + 1. The first max(p - k, 0) steps run without gradient, the last min(p, k) with
 * gradient (k = mean_backprop_depth), i.e. truncated backpropagation through the recurrence.
 */
export function sampleRecurrence(rng: Rng, meanRecurrence: number, backpropDepth: number, maxSteps = 4 * meanRecurrence): { noGrad: number; withGrad: number } {
  const sigma = 0.5;
  const tau = Math.exp(Math.log(meanRecurrence) - (sigma * sigma) / 2 + sigma * rng.normal());
  const p = Math.min(poisson(rng, tau) + 1, maxSteps);
  return { noGrad: Math.max(p - backpropDepth, 0), withGrad: Math.min(p, backpropDepth) };
}

/** Linear warm-up, then cosine decay to `minRatio` of the peak at `totalSteps`. */
export function learningRateAt(step: number, peak: number, warmup: number, totalSteps: number, minRatio = 0.1): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, totalSteps - warmup));
  return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
