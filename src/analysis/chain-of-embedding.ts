/**
 * Chain-of-Embedding features and scores (Wang et al., "Latent space chain-of-embedding enables
 * output-free LLM self-evaluation", ICLR 2025), the CoE-R / CoE-C baselines of the LTO paper.
 * The chain is a run's trajectory h_0 .. h_L (here: recurrence steps; in the CoE paper: layers).
 * Following the CoE paper and its public code:
 *   magnitude change  M_k = |h_{k+1} - h_k| / |h_L - h_0|
 *   angle change      A_k = arccos(cos(h_{k+1}, h_k)) / arccos(cos(h_L, h_0))
 *   CoE-R = mean_k M_k - mean_k A_k
 *   CoE-C = | mean_k M_k e^{i A_k} |   (the chain as points in the complex plane)
 * Both scores are meant as "higher = more likely correct"; metricAurocByStep reports the
 * direction actually observed.
 */
import type { TrajectoryArray } from '../tensor/trajectory-array.js';
import { stepChangeNorms, successiveAngles, cosineAt, type TransitionValues } from './step-dynamics.js';
import { checkTrajectories } from './state-matrix.js';

export interface ChainOfEmbedding {
  /** Normalised magnitude changes M_k, [runs, transitions]. */
  readonly magnitude: TransitionValues;
  /** Normalised angle changes A_k, [runs, transitions]. */
  readonly angle: TransitionValues;
  /** CoE-R per run. */
  readonly coeR: Float64Array;
  /** CoE-C per run. */
  readonly coeC: Float64Array;
}

export interface ChainOfEmbeddingOptions {
  /** Use the chain h_0 .. h_lastStep only (default: the whole trajectory). At least 1. */
  readonly lastStep?: number;
}

/** CoE features and scores of every run's chain h_0 .. h_lastStep. */
export function chainOfEmbedding(t: TrajectoryArray, options: ChainOfEmbeddingOptions = {}): ChainOfEmbedding {
  const lastStep = options.lastStep ?? t.steps - 1;
  if (!Number.isInteger(lastStep) || lastStep < 1 || lastStep >= t.steps) {
    throw new Error(`chainOfEmbedding: lastStep must be an integer in 1..${t.steps - 1} (a chain needs two states), got ${lastStep}`);
  }
  const raw = rawChanges(t);
  const transitions = lastStep;
  const magnitude = new Float64Array(t.runs * transitions);
  const angle = new Float64Array(t.runs * transitions);
  const coeR = new Float64Array(t.runs);
  const coeC = new Float64Array(t.runs);
  for (let run = 0; run < t.runs; run++) {
    const { magnitudeScale, angleScale } = chainScales(t, run, lastStep);
    for (let k = 0; k < transitions; k++) {
      magnitude[run * transitions + k] = raw.magnitude.values[run * raw.magnitude.transitions + k]! / magnitudeScale;
      angle[run * transitions + k] = raw.angle.values[run * raw.angle.transitions + k]! / angleScale;
    }
    const scores = coeScores(magnitude.subarray(run * transitions, (run + 1) * transitions), angle.subarray(run * transitions, (run + 1) * transitions));
    coeR[run] = scores.coeR;
    coeC[run] = scores.coeC;
  }
  return { magnitude: { values: magnitude, runs: t.runs, transitions }, angle: { values: angle, runs: t.runs, transitions }, coeR, coeC };
}

/** CoE-R and CoE-C of one chain from its normalised magnitude and angle changes. */
export function coeScores(magnitude: ArrayLike<number>, angle: ArrayLike<number>): { coeR: number; coeC: number } {
  if (magnitude.length !== angle.length || magnitude.length === 0) {
    throw new Error(`coeScores: needs equally many (>= 1) magnitude and angle changes, got ${magnitude.length} and ${angle.length}`);
  }
  let sumMagnitude = 0;
  let sumAngle = 0;
  let x = 0;
  let y = 0;
  for (let k = 0; k < magnitude.length; k++) {
    sumMagnitude += magnitude[k]!;
    sumAngle += angle[k]!;
    x += magnitude[k]! * Math.cos(angle[k]!);
    y += magnitude[k]! * Math.sin(angle[k]!);
  }
  const n = magnitude.length;
  return { coeR: (sumMagnitude - sumAngle) / n, coeC: Math.hypot(x / n, y / n) };
}

/**
 * CoE-R and CoE-C of every prefix chain h_0 .. h_t, as [runs, steps] arrays (NaN for t < 2: with
 * one transition both scores are constants, 0 and 1). Shares the per-transition work across
 * prefixes: O(runs * steps * (width + steps)).
 */
export function chainOfEmbeddingByStep(t: TrajectoryArray): { coeR: Float64Array; coeC: Float64Array } {
  const raw = rawChanges(t);
  const coeR = new Float64Array(t.runs * t.steps).fill(NaN);
  const coeC = new Float64Array(t.runs * t.steps).fill(NaN);
  const transitions = t.steps - 1;
  for (let run = 0; run < t.runs; run++) {
    for (let last = 2; last < t.steps; last++) {
      const { magnitudeScale, angleScale } = chainScales(t, run, last);
      let sumMagnitude = 0;
      let sumAngle = 0;
      let x = 0;
      let y = 0;
      for (let k = 0; k < last; k++) {
        const m = raw.magnitude.values[run * transitions + k]! / magnitudeScale;
        const a = raw.angle.values[run * transitions + k]! / angleScale;
        sumMagnitude += m;
        sumAngle += a;
        x += m * Math.cos(a);
        y += m * Math.sin(a);
      }
      coeR[run * t.steps + last] = (sumMagnitude - sumAngle) / last;
      coeC[run * t.steps + last] = Math.hypot(x / last, y / last);
    }
  }
  return { coeR, coeC };
}

function rawChanges(t: TrajectoryArray): { magnitude: TransitionValues; angle: TransitionValues } {
  checkTrajectories(t, 'chainOfEmbedding trajectories');
  if (t.steps < 2) throw new Error(`chainOfEmbedding: trajectories need at least 2 steps, got ${t.steps}`);
  return { magnitude: stepChangeNorms(t), angle: successiveAngles(t) };
}

/** The first-to-last magnitude and angle of run's chain h_0 .. h_last, the CoE normalisers. */
function chainScales(t: TrajectoryArray, run: number, last: number): { magnitudeScale: number; angleScale: number } {
  const first = run * t.steps * t.width;
  const end = (run * t.steps + last) * t.width;
  let squared = 0;
  for (let i = 0; i < t.width; i++) squared += (t.data[end + i]! - t.data[first + i]!) ** 2;
  const magnitudeScale = Math.sqrt(squared);
  const angleScale = Math.acos(cosineAt(t.data, first, end, t.width, run, 0, last, 'chainOfEmbedding'));
  if (!(magnitudeScale > 0) || !(angleScale > 0)) {
    throw new Error(`chainOfEmbedding: run ${run} ends (step ${last}) ${magnitudeScale > 0 ? 'in the same direction as' : 'where'} it started, so the CoE normalisation |h_L - h_0| or angle(h_L, h_0) is 0`);
  }
  return { magnitudeScale, angleScale };
}
