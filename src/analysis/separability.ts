/**
 * How well correct and incorrect runs can be told apart at each recurrence step:
 * - by a linear probe on the states of that step (out-of-fold AUROC of a cross-validated
 *   L2-regularised logistic regression, features standardised on the training folds only);
 * - by each per-run metric used directly as a score.
 */
import { rocAuc } from '../stats/roc.js';
import type { Seed } from '../tensor/random.js';
import type { TrajectoryArray } from '../tensor/trajectory-array.js';
import { stratifiedFolds } from './cross-validation.js';
import { fitLogisticRegression, logisticLogits, type LogisticRegressionOptions } from './logistic-regression.js';
import { RUN_METRICS, runMetricsByStep, type RunMetricName } from './metrics-by-step.js';
import { checkLabels, checkTrajectories, type StateMatrix } from './state-matrix.js';

export interface ProbeOptions extends LogisticRegressionOptions {
  /** Number of cross-validation folds (default 5). */
  readonly folds?: number;
  /** Seed of the fold assignment (default 0). */
  readonly seed?: Seed;
  /** Optional group per run (e.g. question index): a question's runs never straddle train and test. */
  readonly groups?: ArrayLike<number>;
  /** Which steps to probe (default: all). */
  readonly steps?: readonly number[];
}

export interface ProbeStepResult {
  readonly step: number;
  /** AUROC of the pooled out-of-fold logits against the labels. */
  readonly auroc: number;
  /** AUROC within each test fold (null if a fold's test part has one class only). */
  readonly foldAurocs: (number | null)[];
  /** Whether every fold's optimiser met its tolerance within the iteration budget. */
  readonly converged: boolean;
}

export interface ProbeSeparability {
  readonly folds: number;
  readonly l2: number;
  readonly seed: Seed;
  readonly grouped: boolean;
  readonly steps: ProbeStepResult[];
}

/** Per-step out-of-fold AUROC of a linear probe for correctness (the same folds at every step). */
export function probeAurocByStep(t: TrajectoryArray, correct: ArrayLike<boolean>, options: ProbeOptions = {}): ProbeSeparability {
  checkTrajectories(t);
  checkLabels(correct, t.runs);
  const folds = options.folds ?? 5;
  const seed = options.seed ?? 0;
  let assignment: Int32Array;
  try {
    assignment = stratifiedFolds(correct, folds, options.groups === undefined ? { seed } : { seed, groups: options.groups });
  } catch (error) {
    throw new Error(`probeAurocByStep: ${(error as Error).message}`);
  }
  const steps = options.steps ?? Array.from({ length: t.steps }, (_, i) => i);
  for (const step of steps) if (!Number.isInteger(step) || step < 0 || step >= t.steps) throw new Error(`probeAurocByStep: step ${step} is outside 0..${t.steps - 1}`);
  const foldMembers = Array.from({ length: folds }, (_, fold) => {
    const test: number[] = [];
    const train: number[] = [];
    for (let run = 0; run < t.runs; run++) (assignment[run] === fold ? test : train).push(run);
    return { test, train, trainLabels: train.map((run) => correct[run]!), testLabels: test.map((run) => correct[run]!) };
  });
  const results: ProbeStepResult[] = [];
  const l2 = options.l2 ?? 0.01;
  for (const step of steps) {
    const logits = new Float64Array(t.runs);
    const foldAurocs: (number | null)[] = [];
    let converged = true;
    for (const fold of foldMembers) {
      const model = fitLogisticRegression(rowsAtStep(t, step, fold.train), fold.trainLabels, options);
      converged &&= model.converged;
      const testLogits = logisticLogits(model, rowsAtStep(t, step, fold.test));
      fold.test.forEach((run, i) => (logits[run] = testLogits[i]!));
      const bothClasses = fold.testLabels.includes(true) && fold.testLabels.includes(false);
      foldAurocs.push(bothClasses ? rocAuc(testLogits, fold.testLabels) : null);
    }
    results.push({ step, auroc: rocAuc(logits, correct), foldAurocs, converged });
  }
  return { folds, l2, seed, grouped: options.groups !== undefined, steps: results };
}

/** The states of the chosen runs at one step, as a float32 [runs, width] matrix. */
function rowsAtStep(t: TrajectoryArray, step: number, runs: readonly number[]): StateMatrix {
  const out = new Float32Array(runs.length * t.width);
  runs.forEach((run, i) => {
    const from = (run * t.steps + step) * t.width;
    out.set(t.data.subarray(from, from + t.width), i * t.width);
  });
  return { data: out, rows: runs.length, width: t.width };
}

export interface MetricStepAuroc {
  readonly step: number;
  /** AUROC with the metric as the score (higher = predicted correct); null where the metric is undefined. */
  readonly auroc: number | null;
  /** Which side the correct runs are on: AUROC > 0.5 means higher values for correct runs. */
  readonly direction: 'higher-is-correct' | 'lower-is-correct' | 'none' | null;
  /**
   * max(auroc, 1 - auroc): how well the metric separates whichever way round. Optimistic,
   * because the direction is read from the same data.
   */
  readonly separation: number | null;
}

/** Per-step AUROC of each per-run metric used directly as a correctness score. */
export function metricAurocByStep(t: TrajectoryArray, correct: ArrayLike<boolean>, metrics: readonly RunMetricName[] = RUN_METRICS): Partial<Record<RunMetricName, MetricStepAuroc[]>> {
  checkTrajectories(t);
  checkLabels(correct, t.runs);
  const positives = Array.prototype.filter.call(correct, (c: boolean) => c).length;
  if (positives === 0 || positives === t.runs) throw new Error(`metricAurocByStep: needs both correct and incorrect runs, got ${positives} correct and ${t.runs - positives} incorrect`);
  for (const m of metrics) if (!(RUN_METRICS as readonly string[]).includes(m)) throw new Error(`metricAurocByStep: unknown per-run metric '${m}', expected one of ${RUN_METRICS.join(', ')}`);
  const values = runMetricsByStep(t);
  const out: Partial<Record<RunMetricName, MetricStepAuroc[]>> = {};
  for (const name of metrics) {
    out[name] = Array.from({ length: t.steps }, (_, step) => {
      const scores = Float64Array.from({ length: t.runs }, (_, run) => values[name][run * t.steps + step]!);
      if (!Number.isFinite(scores[0]!)) return { step, auroc: null, direction: null, separation: null };
      const auroc = rocAuc(scores, correct);
      const direction = auroc > 0.5 ? 'higher-is-correct' : auroc < 0.5 ? 'lower-is-correct' : 'none';
      return { step, auroc, direction, separation: Math.max(auroc, 1 - auroc) };
    });
  }
  return out;
}
