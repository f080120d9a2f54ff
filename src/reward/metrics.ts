/**
 * Metrics of a probabilistic classifier (the LRM's reward = P(correct)): the threshold metrics the
 * paper logs (accuracy, precision, recall, F1 at 0.5), ROC-AUC with its curve, and calibration
 * (expected calibration error over equal-width bins, and the reliability curve behind it).
 * Pure functions of plain arrays.
 */
import { rocCurve, type RocCurve } from '../stats/roc.js';

export interface ThresholdMetrics {
  readonly threshold: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly trueNegatives: number;
  readonly falseNegatives: number;
  readonly accuracy: number;
  /** TP / (TP + FP); 0 when nothing is predicted positive (scikit-learn's zero_division=0). */
  readonly precision: number;
  /** TP / (TP + FN); 0 when there are no positives. */
  readonly recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  readonly f1: number;
}

export interface ReliabilityBin {
  /** The bin covers scores in [lower, upper) (the last bin includes 1). */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean predicted probability in the bin (NaN when empty). */
  readonly meanScore: number;
  /** Fraction of positives in the bin (NaN when empty). */
  readonly fractionPositive: number;
}

export interface Calibration {
  /** Expected calibration error: sum over bins of (count / n) * |fractionPositive - meanScore|. */
  readonly ece: number;
  /** Largest |fractionPositive - meanScore| over non-empty bins. */
  readonly maximumError: number;
  readonly bins: readonly ReliabilityBin[];
}

export interface ClassifierMetrics extends ThresholdMetrics {
  readonly auroc: number;
  readonly roc: RocCurve;
  readonly calibration: Calibration;
  /** Mean binary cross-entropy of the probabilities (clamped to [1e-7, 1 - 1e-7]). */
  readonly logLoss: number;
  readonly count: number;
  readonly positives: number;
}

/** Checks probabilities in [0, 1] and labels of the same length; `what` names the caller. */
export function checkProbabilities(scores: ArrayLike<number>, labels: ArrayLike<boolean>, what: string): void {
  if (scores.length !== labels.length) throw new Error(`${what}: scores has ${scores.length} values but labels has ${labels.length}; expected the same length`);
  if (scores.length === 0) throw new Error(`${what}: scores is empty; expected at least one value`);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!(s >= 0 && s <= 1)) throw new Error(`${what}: scores[${i}] is ${s}; expected a probability in [0, 1]`);
  }
}

/** Confusion counts and the derived metrics when predicting positive for score >= threshold. */
export function thresholdMetrics(scores: ArrayLike<number>, labels: ArrayLike<boolean>, threshold = 0.5): ThresholdMetrics {
  checkProbabilities(scores, labels, 'thresholdMetrics');
  if (!Number.isFinite(threshold)) throw new Error(`thresholdMetrics: threshold is ${threshold}; expected a finite number`);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i]! >= threshold;
    if (labels[i]) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    threshold,
    truePositives: tp,
    falsePositives: fp,
    trueNegatives: tn,
    falseNegatives: fn,
    accuracy: (tp + tn) / scores.length,
    precision,
    recall,
    f1,
  };
}

/**
 * Calibration over `bins` equal-width bins of [0, 1]: a score s falls in bin min(floor(s * bins),
 * bins - 1), so 1.0 belongs to the last bin.
 */
export function calibration(scores: ArrayLike<number>, labels: ArrayLike<boolean>, bins = 10): Calibration {
  checkProbabilities(scores, labels, 'calibration');
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`calibration: bins is ${bins}; expected a positive integer`);
  const count = new Array<number>(bins).fill(0);
  const scoreSum = new Array<number>(bins).fill(0);
  const positiveCount = new Array<number>(bins).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const b = Math.min(Math.floor(scores[i]! * bins), bins - 1);
    count[b]! += 1;
    scoreSum[b]! += scores[i]!;
    if (labels[i]) positiveCount[b]! += 1;
  }
  let ece = 0;
  let maximumError = 0;
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const n = count[b]!;
    const meanScore = n > 0 ? scoreSum[b]! / n : NaN;
    const fractionPositive = n > 0 ? positiveCount[b]! / n : NaN;
    if (n > 0) {
      const gap = Math.abs(fractionPositive - meanScore);
      ece += (n / scores.length) * gap;
      maximumError = Math.max(maximumError, gap);
    }
    out.push({ lower: b / bins, upper: (b + 1) / bins, count: n, meanScore, fractionPositive });
  }
  return { ece, maximumError, bins: out };
}

/** Mean binary cross-entropy of probabilities, clamped away from 0 and 1 so that it stays finite. */
export function logLoss(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  checkProbabilities(scores, labels, 'logLoss');
  const eps = 1e-7;
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const p = Math.min(Math.max(scores[i]!, eps), 1 - eps);
    sum -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return sum / scores.length;
}

/**
 * Every metric at once. ROC-AUC needs both classes: with a single class this throws (an AUROC on
 * one class is undefined, and silently reporting 0.5 would hide a broken split).
 */
export function classifierMetrics(scores: ArrayLike<number>, labels: ArrayLike<boolean>, options: { threshold?: number; bins?: number } = {}): ClassifierMetrics {
  const atThreshold = thresholdMetrics(scores, labels, options.threshold ?? 0.5);
  const roc = rocCurve(scores, labels);
  return {
    ...atThreshold,
    auroc: roc.auc,
    roc,
    calibration: calibration(scores, labels, options.bins ?? 10),
    logLoss: logLoss(scores, labels),
    count: scores.length,
    positives: atThreshold.truePositives + atThreshold.falseNegatives,
  };
}
