/**
 * ROC analysis for a score that should be higher for positives: the area under the curve (the
 * Mann-Whitney U statistic with tied scores counted as half, so it equals scikit-learn's
 * roc_auc_score) and the curve itself (one point per distinct threshold).
 */

/** Checks that scores and labels have the same length, are finite, and (unless told otherwise) contain both classes. */
function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<boolean>, what: string, needBothClasses = true): { positives: number; negatives: number } {
  if (scores.length !== labels.length) throw new Error(`${what}: ${scores.length} scores but ${labels.length} labels`);
  let positives = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]!)) throw new Error(`${what}: score ${i} is ${scores[i]}, expected a finite number`);
    if (labels[i]) positives++;
  }
  const negatives = scores.length - positives;
  if (needBothClasses && (positives === 0 || negatives === 0)) throw new Error(`${what}: needs both classes, got ${positives} positive and ${negatives} negative`);
  return { positives, negatives };
}

/** Indices sorted by descending score (stable). */
function byScoreDescending(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** Area under the ROC curve; 0.5 = chance, 1 = every positive scored above every negative. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const { positives, negatives } = checkInputs(scores, labels, 'rocAuc');
  const order = byScoreDescending(scores);
  // Walk groups of tied scores from the top: each positive ranks above every negative seen later.
  let negativesAbove = 0;
  let wins = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    let groupPositives = 0;
    let groupNegatives = 0;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) {
      if (labels[order[j]!]) groupPositives++;
      else groupNegatives++;
      j++;
    }
    wins += groupPositives * (negatives - negativesAbove - groupNegatives) + 0.5 * groupPositives * groupNegatives;
    negativesAbove += groupNegatives;
    i = j;
  }
  return wins / (positives * negatives);
}

export interface RocCurve {
  /** False-positive rates, from 0 to 1, non-decreasing. */
  readonly fpr: number[];
  /** True-positive rates, from 0 to 1, non-decreasing. */
  readonly tpr: number[];
  /** thresholds[i]: predict positive when score >= thresholds[i]; the first is +Infinity. */
  readonly thresholds: number[];
  readonly auc: number;
}

/** The ROC curve, one point per distinct score (plus the origin). */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<boolean>): RocCurve {
  const { positives, negatives } = checkInputs(scores, labels, 'rocCurve');
  const order = byScoreDescending(scores);
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; ) {
    const threshold = scores[order[i]!]!;
    while (i < order.length && scores[order[i]!] === threshold) {
      if (labels[order[i]!]) tp++;
      else fp++;
      i++;
    }
    fpr.push(fp / negatives);
    tpr.push(tp / positives);
    thresholds.push(threshold);
  }
  return { fpr, tpr, thresholds, auc: rocAuc(scores, labels) };
}

export interface WithinGroupAuc {
  /** Mean AUROC over the groups that hold both classes; null when none does. */
  readonly mean: number | null;
  /** How many groups hold both classes (the others have no ranking to judge). */
  readonly mixedGroups: number;
}

/**
 * AUROC computed inside each group (e.g. the runs of one question) and averaged over the groups
 * that hold both classes. Best-of-N and LTO only ever compare runs of the same question, so this,
 * not the pooled AUROC (which also rewards telling easy questions from hard ones), is the
 * separation that decides whether they beat a single run.
 */
export function withinGroupAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean>, groups: readonly (readonly number[])[]): WithinGroupAuc {
  checkInputs(scores, labels, 'withinGroupAuc', false);
  let sum = 0;
  let mixedGroups = 0;
  for (const [g, group] of groups.entries()) {
    for (const i of group) {
      if (!Number.isInteger(i) || i < 0 || i >= scores.length) throw new Error(`withinGroupAuc: group ${g} holds index ${i}; expected an integer in [0, ${scores.length})`);
    }
    const positives = group.filter((i) => labels[i]).length;
    if (positives === 0 || positives === group.length) continue;
    sum += rocAuc(group.map((i) => scores[i]!), group.map((i) => labels[i]!));
    mixedGroups++;
  }
  return { mean: mixedGroups > 0 ? sum / mixedGroups : null, mixedGroups };
}
