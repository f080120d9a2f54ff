/**
 * Per-token adaptive compute: stop the recurrence for a token once its state has settled.
 * The criteria follow upstream Huginn; each compares step i with step i-1 (i >= 2):
 * - `kl`: KL(p_{i-1} || p_i) of the decoded next-token distributions < threshold
 *   (the model card suggests 5e-4);
 * - `latent-diff`: ||s_i - s_{i-1}|| / ||s_i|| < threshold;
 * - `entropy-diff`: |H(p_i) - H(p_{i-1})| / H(p_i) < threshold;
 * - `argmax-stability`: the decoded argmax has not changed for `threshold` consecutive steps;
 * - `cosine`: 1 - cos(s_i, s_{i-1}) < threshold.
 * Norms and cosines are taken over the whole state of the token (width h).
 */
export type ExitCriterion = 'kl' | 'latent-diff' | 'entropy-diff' | 'argmax-stability' | 'cosine';
export const EXIT_CRITERIA: readonly ExitCriterion[] = ['kl', 'latent-diff', 'entropy-diff', 'argmax-stability', 'cosine'];

export interface EarlyExitOptions {
  readonly criterion: ExitCriterion;
  readonly threshold: number;
  /** Never exit before this many steps (default 1). */
  readonly minSteps?: number;
}

export function validateEarlyExit(e: EarlyExitOptions): void {
  if (!EXIT_CRITERIA.includes(e.criterion)) throw new Error(`early exit criterion "${e.criterion}" is unknown; expected one of ${EXIT_CRITERIA.join(', ')}`);
  if (!(e.threshold >= 0) || !Number.isFinite(e.threshold)) throw new Error(`early exit threshold must be a finite number >= 0, got ${e.threshold}`);
  if (e.criterion === 'argmax-stability' && !Number.isInteger(e.threshold)) throw new Error(`argmax-stability threshold counts steps and must be an integer, got ${e.threshold}`);
  if (e.minSteps !== undefined && (!Number.isInteger(e.minSteps) || e.minSteps < 1)) throw new Error(`early exit minSteps must be a positive integer, got ${e.minSteps}`);
}

/** Whether the criterion needs the decoded distribution at every step (an extra coda pass). */
export function needsDistributions(c: ExitCriterion): boolean {
  return c === 'kl' || c === 'entropy-diff' || c === 'argmax-stability';
}

/** Row statistics of one step, computed on the backend and read once per step. */
export interface StepStatistics {
  /** log-probabilities per row (only for criteria that need distributions). */
  readonly logProbs?: Float32Array;
  readonly vocab: number;
  /** ||s_i - s_{i-1}|| per row. */
  readonly diffNorm: Float32Array;
  /** ||s_i|| per row. */
  readonly norm: Float32Array;
  /** s_i . s_{i-1} per row. */
  readonly dot: Float32Array;
  /** ||s_{i-1}|| per row. */
  readonly prevNorm: Float32Array;
}

/** Tracks the criterion across the steps of one token; `update` returns the rows that exit now. */
export class ExitTracker {
  private prevLogProbs: Float32Array | undefined;
  private prevEntropy: number[] | undefined;
  private prevArgmax: number[] | undefined;
  private stable: number[];

  constructor(
    private readonly options: EarlyExitOptions,
    private readonly rows: number,
  ) {
    this.stable = new Array<number>(rows).fill(0);
  }

  update(step: number, stats: StepStatistics): boolean[] {
    const { criterion, threshold } = this.options;
    const minSteps = this.options.minSteps ?? 1;
    const exits = new Array<boolean>(this.rows).fill(false);
    const v = stats.vocab;
    const entropies: number[] = [];
    const argmaxes: number[] = [];
    if (stats.logProbs) {
      for (let r = 0; r < this.rows; r++) {
        let hEnt = 0;
        let best = 0;
        for (let k = 0; k < v; k++) {
          const lp = stats.logProbs[r * v + k]!;
          hEnt -= Math.exp(lp) * lp;
          if (lp > stats.logProbs[r * v + best]!) best = k;
        }
        entropies.push(hEnt);
        argmaxes.push(best);
      }
    }
    for (let r = 0; r < this.rows; r++) {
      let settled = false;
      if (step >= 2) {
        switch (criterion) {
          case 'kl': {
            let kl = 0;
            for (let k = 0; k < v; k++) {
              const p = this.prevLogProbs![r * v + k]!;
              kl += Math.exp(p) * (p - stats.logProbs![r * v + k]!);
            }
            settled = kl < threshold;
            break;
          }
          case 'latent-diff':
            settled = stats.diffNorm[r]! / Math.max(stats.norm[r]!, 1e-30) < threshold;
            break;
          case 'entropy-diff':
            settled = Math.abs(entropies[r]! - this.prevEntropy![r]!) / Math.max(entropies[r]!, 1e-30) < threshold;
            break;
          case 'argmax-stability':
            this.stable[r] = argmaxes[r] === this.prevArgmax![r] ? this.stable[r]! + 1 : 0;
            settled = this.stable[r]! >= threshold;
            break;
          case 'cosine': {
            const cos = stats.dot[r]! / Math.max(stats.norm[r]! * stats.prevNorm[r]!, 1e-30);
            settled = 1 - cos < threshold;
            break;
          }
        }
      }
      exits[r] = settled && step >= minSteps;
    }
    this.prevLogProbs = stats.logProbs;
    this.prevEntropy = entropies;
    this.prevArgmax = argmaxes;
    return exits;
  }
}
