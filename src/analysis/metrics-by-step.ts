/**
 * Correct-versus-incorrect curves of every latent metric over the recurrence steps (the paper's
 * Fig. 2 and the CoE features), each with a seeded percentile-bootstrap confidence band.
 *
 * Two kinds of metric:
 * - per-run metrics (step-change norm, successive cosine, CoE magnitude / angle changes, CoE-R,
 *   CoE-C) have a value for each run at each step; the curve is their mean over the runs of a
 *   group, the band a bootstrap over runs (or over `clusters`, e.g. questions, whose runs are
 *   not independent).
 * - population metrics (matrix entropy, effective rank, anisotropy, TwoNN intrinsic dimension)
 *   describe a set of states. Their value depends on the size of the set (entropy is at most
 *   log(size), TwoNN is biased for small sets), so comparing the correct group with an
 *   incorrect group of a different size would mislead. By default each group is split
 *   (seeded) into populations of `populationSize` runs; the curve is the mean of the metric over
 *   the populations and the band a bootstrap over populations. This also keeps the cost linear
 *   in the number of runs. `populationSize: 'all'` computes the metric on the whole group and
 *   bootstraps runs instead (cost: bootstrapSamples evaluations per step and group).
 */
import { bootstrapDistribution, bootstrapInterval, meanInterval, quantileSorted, type Interval } from '../stats/bootstrap.js';
import { deriveSeed, Rng, type Seed } from '../tensor/random.js';
import type { TrajectoryArray } from '../tensor/trajectory-array.js';
import { chainOfEmbedding, chainOfEmbeddingByStep } from './chain-of-embedding.js';
import { intrinsicDimensionTwoNN } from './intrinsic-dimension.js';
import { anisotropy, effectiveRank, matrixEntropy } from './population-metrics.js';
import { checkLabels, checkTrajectories, gatherRows, InsufficientDataError, statesAt, type StateMatrix } from './state-matrix.js';
import { stepChangeNorms, successiveCosines, type TransitionValues } from './step-dynamics.js';

export const RUN_METRICS = ['stepChangeNorm', 'successiveCosine', 'coeMagnitude', 'coeAngle', 'coeR', 'coeC'] as const;
export const POPULATION_METRICS = ['matrixEntropy', 'effectiveRank', 'anisotropy', 'intrinsicDimension'] as const;
export type RunMetricName = (typeof RUN_METRICS)[number];
export type PopulationMetricName = (typeof POPULATION_METRICS)[number];
export type MetricName = RunMetricName | PopulationMetricName;

/** What each metric's value at step t means. */
export const METRIC_DESCRIPTIONS: Readonly<Record<MetricName, string>> = {
  stepChangeNorm: '|s_t - s_{t-1}| (defined from step 1)',
  successiveCosine: 'cos(s_{t-1}, s_t) (defined from step 1)',
  coeMagnitude: 'CoE magnitude change |s_t - s_{t-1}| / |s_T - s_0| (defined from step 1)',
  coeAngle: 'CoE angle change angle(s_{t-1}, s_t) / angle(s_0, s_T) (defined from step 1)',
  coeR: 'CoE-R score of the chain s_0..s_t (defined from step 2)',
  coeC: 'CoE-C score of the chain s_0..s_t (defined from step 2)',
  matrixEntropy: 'matrix entropy (nats) of the states at step t',
  effectiveRank: 'effective rank (Roy & Vetterli) of the states at step t',
  anisotropy: 'largest covariance eigenvalue / total variance of the states at step t',
  intrinsicDimension: 'TwoNN intrinsic dimension of the states at step t',
};

const POPULATION_FUNCTIONS: Readonly<Record<PopulationMetricName, (states: StateMatrix) => number>> = {
  matrixEntropy: (s) => matrixEntropy(s),
  effectiveRank: (s) => effectiveRank(s),
  anisotropy,
  intrinsicDimension: intrinsicDimensionTwoNN,
};

/**
 * Values of the per-run metrics, each [runs, steps] row-major (index run * steps + step), NaN
 * at steps where the metric is undefined (step 0 for changes, steps 0-1 for CoE scores).
 */
export function runMetricsByStep(t: TrajectoryArray): Record<RunMetricName, Float64Array> {
  checkTrajectories(t);
  if (t.steps < 2) throw new Error(`runMetricsByStep: trajectories need at least 2 steps, got ${t.steps}`);
  const byStep = (v: TransitionValues): Float64Array => {
    const out = new Float64Array(t.runs * t.steps).fill(NaN);
    for (let run = 0; run < t.runs; run++) for (let k = 0; k < v.transitions; k++) out[run * t.steps + k + 1] = v.values[run * v.transitions + k]!;
    return out;
  };
  const chain = chainOfEmbedding(t);
  const prefixScores = chainOfEmbeddingByStep(t);
  return {
    stepChangeNorm: byStep(stepChangeNorms(t)),
    successiveCosine: byStep(successiveCosines(t)),
    coeMagnitude: byStep(chain.magnitude),
    coeAngle: byStep(chain.angle),
    coeR: prefixScores.coeR,
    coeC: prefixScores.coeC,
  };
}

export interface MetricsByStepOptions {
  /** Which metrics (default: all). */
  readonly metrics?: readonly MetricName[];
  /** Seed of every bootstrap and of the split into populations (default 0). */
  readonly seed?: Seed;
  /** Bootstrap resamples per band (default 1000). */
  readonly bootstrapSamples?: number;
  /** Confidence level of the bands (default 0.95). */
  readonly level?: number;
  /** Runs per population for the population metrics (default 100), or 'all' for the whole group. */
  readonly populationSize?: number | 'all';
  /** Optional cluster id per run (e.g. question index): per-run bands then resample clusters. */
  readonly clusters?: ArrayLike<number>;
}

/** Mean of a metric over one group at one step, with its bootstrap band. */
export interface Band {
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
  /** Units averaged: runs (per-run metrics) or populations (population metrics). */
  readonly count: number;
}

export interface StepComparison {
  readonly step: number;
  /** null when the group is empty or the metric undefined at this step. */
  readonly correct: Band | null;
  readonly incorrect: Band | null;
}

export interface MetricStepCurve {
  readonly kind: 'run' | 'population';
  readonly description: string;
  readonly steps: StepComparison[];
}

export interface MetricsByStep {
  readonly runs: number;
  readonly steps: number;
  readonly correctRuns: number;
  readonly incorrectRuns: number;
  readonly level: number;
  readonly bootstrapSamples: number;
  readonly populationSize: number | 'all';
  /**
   * States per population actually used for the population metrics in each group (smaller than
   * populationSize for a group with fewer runs; the whole group for 'all'); null when no
   * population metric was asked for.
   */
  readonly statesPerPopulation: { readonly correct: number; readonly incorrect: number } | null;
  readonly seed: Seed;
  readonly metrics: Partial<Record<MetricName, MetricStepCurve>>;
}

type Group = 'correct' | 'incorrect';

/** Correct-vs-incorrect curves with bootstrap bands for every chosen metric at every step. */
export function metricsByStep(t: TrajectoryArray, correct: ArrayLike<boolean>, options: MetricsByStepOptions = {}): MetricsByStep {
  checkTrajectories(t);
  checkLabels(correct, t.runs);
  const metrics = options.metrics ?? [...RUN_METRICS, ...POPULATION_METRICS];
  for (const m of metrics) if (!(m in METRIC_DESCRIPTIONS)) throw new Error(`metricsByStep: unknown metric '${m}', expected one of ${Object.keys(METRIC_DESCRIPTIONS).join(', ')}`);
  const seed = options.seed ?? 0;
  const bootstrapSamples = options.bootstrapSamples ?? 1000;
  const level = options.level ?? 0.95;
  const populationSize = options.populationSize ?? 100;
  if (populationSize !== 'all' && !(Number.isInteger(populationSize) && populationSize >= 3)) {
    throw new Error(`metricsByStep: populationSize must be an integer >= 3 or 'all', got ${populationSize}`);
  }
  if (options.clusters !== undefined) {
    if (options.clusters.length !== t.runs) throw new Error(`metricsByStep: clusters has ${options.clusters.length} entries, expected one per run (${t.runs})`);
    for (let i = 0; i < t.runs; i++) if (!Number.isInteger(options.clusters[i]!)) throw new Error(`metricsByStep: cluster of run ${i} is ${options.clusters[i]}, expected an integer`);
  }

  const groups: Record<Group, number[]> = { correct: [], incorrect: [] };
  for (let run = 0; run < t.runs; run++) groups[correct[run] ? 'correct' : 'incorrect'].push(run);
  const bootstrap = { samples: bootstrapSamples, level };
  const out: Partial<Record<MetricName, MetricStepCurve>> = {};

  const runMetricNames = metrics.filter((m): m is RunMetricName => (RUN_METRICS as readonly string[]).includes(m));
  if (runMetricNames.length > 0) {
    if (t.steps < 2) throw new Error(`metricsByStep: per-run metrics need trajectories of at least 2 steps, got ${t.steps}`);
    const values = runMetricsByStep(t);
    // One set of resamples per group, shared by every per-run metric and step: a resample of
    // runs (or clusters) is a resample of whole trajectories, and drawing once keeps this cheap.
    const resamples = {
      correct: runResamples(groups.correct, options.clusters, { ...bootstrap, seed: deriveSeed(seed, 'runs', 'correct') }),
      incorrect: runResamples(groups.incorrect, options.clusters, { ...bootstrap, seed: deriveSeed(seed, 'runs', 'incorrect') }),
    };
    for (const name of runMetricNames) {
      const steps: StepComparison[] = [];
      for (let step = 0; step < t.steps; step++) {
        const band = (group: Group): Band | null => {
          const groupValues = groups[group].map((run) => values[name][run * t.steps + step]!);
          if (groupValues.length === 0 || !Number.isFinite(groupValues[0]!)) return null;
          return resampledMeanBand(groupValues, resamples[group], level);
        };
        steps.push({ step, correct: band('correct'), incorrect: band('incorrect') });
      }
      out[name] = { kind: 'run', description: METRIC_DESCRIPTIONS[name], steps };
    }
  }

  let statesPerPopulation: { correct: number; incorrect: number } | null = null;
  const populationNames = metrics.filter((m): m is PopulationMetricName => (POPULATION_METRICS as readonly string[]).includes(m));
  if (populationNames.length > 0) {
    const populations = {
      correct: populationSize === 'all' ? [groups.correct] : splitIntoPopulations(groups.correct, populationSize, deriveSeed(seed, 'populations', 'correct')),
      incorrect: populationSize === 'all' ? [groups.incorrect] : splitIntoPopulations(groups.incorrect, populationSize, deriveSeed(seed, 'populations', 'incorrect')),
    };
    statesPerPopulation = { correct: populations.correct[0]?.length ?? 0, incorrect: populations.incorrect[0]?.length ?? 0 };
    const curves = Object.fromEntries(populationNames.map((name) => [name, [] as StepComparison[]])) as Record<PopulationMetricName, StepComparison[]>;
    for (let step = 0; step < t.steps; step++) {
      const bands: Record<Group, Partial<Record<PopulationMetricName, Band | null>>> = { correct: {}, incorrect: {} };
      for (const group of ['correct', 'incorrect'] as const) {
        if (groups[group].length === 0) continue;
        if (populationSize === 'all') {
          const states = statesAt(t, step, groups[group]);
          for (const name of populationNames) {
            bands[group][name] = wholeGroupBand(states, POPULATION_FUNCTIONS[name], { ...bootstrap, seed: deriveSeed(seed, name, step, group) });
          }
        } else {
          const chunkStates = populations[group].map((runs) => statesAt(t, step, runs));
          for (const name of populationNames) {
            const chunkValues = chunkStates.map((s) => orNaN(() => POPULATION_FUNCTIONS[name](s))).filter(Number.isFinite);
            bands[group][name] = chunkValues.length === 0 ? null : toBand(meanInterval(chunkValues, { ...bootstrap, seed: deriveSeed(seed, name, step, group) }), chunkValues.length);
          }
        }
      }
      for (const name of populationNames) curves[name].push({ step, correct: bands.correct[name] ?? null, incorrect: bands.incorrect[name] ?? null });
    }
    for (const name of populationNames) out[name] = { kind: 'population', description: METRIC_DESCRIPTIONS[name], steps: curves[name] };
  }

  return { runs: t.runs, steps: t.steps, correctRuns: groups.correct.length, incorrectRuns: groups.incorrect.length, level, bootstrapSamples, populationSize, statesPerPopulation, seed, metrics: out };
}

/** One metric's curves as parallel arrays (the input shape of the MetricCurves widget). */
export interface CurveArrays {
  readonly name: string;
  readonly steps: number[];
  readonly correct: { readonly mean: number[]; readonly lower: number[]; readonly upper: number[] };
  readonly incorrect: { readonly mean: number[]; readonly lower: number[]; readonly upper: number[] };
}

/**
 * The curves of `result` as parallel arrays, keeping only the steps where both groups have a
 * value (e.g. from step 1 for the step changes, from step 2 for CoE scores); metrics with no
 * such step are left out.
 */
export function curveArrays(result: MetricsByStep, names: readonly MetricName[] = Object.keys(result.metrics) as MetricName[]): CurveArrays[] {
  const out: CurveArrays[] = [];
  for (const name of names) {
    const curve = result.metrics[name];
    if (curve === undefined) throw new Error(`curveArrays: the result has no metric '${name}'`);
    const defined = curve.steps.filter((s) => s.correct !== null && s.incorrect !== null);
    if (defined.length === 0) continue;
    const arrays = (group: 'correct' | 'incorrect') => ({
      mean: defined.map((s) => s[group]!.mean),
      lower: defined.map((s) => s[group]!.lower),
      upper: defined.map((s) => s[group]!.upper),
    });
    out.push({ name, steps: defined.map((s) => s.step), correct: arrays('correct'), incorrect: arrays('incorrect') });
  }
  return out;
}

/**
 * Seeded split of `runs` into populations of exactly `size` runs (the remainder is left out so
 * that every population has the same size); a group smaller than `size` is one population.
 */
export function splitIntoPopulations(runs: readonly number[], size: number, seed: Seed): number[][] {
  if (runs.length < size) return runs.length === 0 ? [] : [[...runs]];
  const shuffled = new Rng(seed).shuffle([...runs]);
  const out: number[][] = [];
  for (let start = 0; start + size <= shuffled.length; start += size) out.push(shuffled.slice(start, start + size));
  return out;
}

/** Bootstrap resamples of a group's runs: which units each resample draws, and each unit's runs. */
interface RunResamples {
  /** Positions (within the group) of each unit's runs: one run per unit, or a cluster's runs. */
  readonly units: number[][];
  readonly draws: Int32Array[];
}

function runResamples(groupRuns: readonly number[], clusters: ArrayLike<number> | undefined, options: { samples: number; level: number; seed: number }): RunResamples | null {
  if (groupRuns.length === 0) return null;
  let units: number[][];
  if (clusters === undefined) {
    units = groupRuns.map((_, position) => [position]);
  } else {
    const byCluster = new Map<number, number[]>();
    groupRuns.forEach((run, position) => {
      const members = byCluster.get(clusters[run]!) ?? [];
      members.push(position);
      byCluster.set(clusters[run]!, members);
    });
    units = [...byCluster.keys()].sort((a, b) => a - b).map((key) => byCluster.get(key)!);
  }
  const draws: Int32Array[] = [];
  bootstrapDistribution(units.length, (indices) => {
    draws.push(indices.slice());
    return 0;
  }, options);
  return { units, draws };
}

/** Mean of the group's values and its percentile band over the shared resamples. */
function resampledMeanBand(values: readonly number[], resamples: RunResamples | null, level: number): Band {
  const sums = resamples!.units.map((members) => members.reduce((sum, i) => sum + values[i]!, 0));
  const counts = resamples!.units.map((members) => members.length);
  const means = resamples!.draws.map((indices) => {
    let sum = 0;
    let count = 0;
    for (let k = 0; k < indices.length; k++) {
      sum += sums[indices[k]!]!;
      count += counts[indices[k]!]!;
    }
    return sum / count;
  }).sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return { mean, lower: quantileSorted(means, tail), upper: quantileSorted(means, 1 - tail), count: values.length };
}

/** A population metric on the whole group, with a bootstrap over its runs. */
function wholeGroupBand(states: StateMatrix, metric: (s: StateMatrix) => number, options: { samples: number; level: number; seed: number }): Band | null {
  const estimate = orNaN(() => metric(states));
  if (!Number.isFinite(estimate)) return null;
  const interval = bootstrapInterval(states.rows, (indices) => orNaN(() => metric(gatherRows(states, indices))), options);
  return toBand(interval, 1);
}

/** The metric's value, or NaN when it is undefined for these states (InsufficientDataError). */
function orNaN(f: () => number): number {
  try {
    return f();
  } catch (error) {
    if (error instanceof InsufficientDataError) return NaN;
    throw error;
  }
}

function toBand(interval: Interval, count: number): Band {
  return { mean: interval.estimate, lower: interval.lower, upper: interval.upper, count };
}
