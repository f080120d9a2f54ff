/**
 * Within-question AUROC split by whether majority voting gets the question right. LTO and best-of-N
 * beat majority voting only on questions whose majority answer is wrong, by ranking the correct
 * minority runs first. A reward that has learned no more than agreement with the other runs ranks
 * well where the majority is right and below chance (< 0.5) where it is wrong, so the pooled
 * within-question AUROC alone cannot tell the two kinds of reward apart.
 */
import { withinGroupAuc, type WithinGroupAuc } from '../stats/roc.js';
import { checkPool, type QuestionPool } from './candidate-pool.js';
import { majorityVote } from './voting.js';

export interface AurocByMajority {
  /** Over the mixed questions (correct and incorrect runs) whose majority answer is right. */
  readonly majorityRight: WithinGroupAuc;
  /** Over the mixed questions whose majority answer is wrong (or that no run answered). */
  readonly majorityWrong: WithinGroupAuc;
}

/** withinGroupAuc of the pools' rewards, one group per pool. */
function poolsAuc(pools: readonly QuestionPool[]): WithinGroupAuc {
  const scores: number[] = [];
  const labels: boolean[] = [];
  const groups: number[][] = [];
  for (const p of pools) {
    groups.push(p.answers.map((_, i) => scores.length + i));
    scores.push(...Array.from(p.rewards));
    labels.push(...Array.from(p.correct));
  }
  return withinGroupAuc(scores, labels, groups);
}

/**
 * The pools' rewards judged per question, split by majority correctness. The majority is
 * majorityVote over the pool's answers, as the evaluation's `majority` method takes it (ties to
 * the first answer given, empty answers do not vote), and it is right when its representative run
 * is correct.
 */
export function withinQuestionAurocByMajority(pools: readonly QuestionPool[]): AurocByMajority {
  const right: QuestionPool[] = [];
  const wrong: QuestionPool[] = [];
  pools.forEach((p, i) => {
    checkPool(p, `withinQuestionAurocByMajority: pools[${i}]`);
    (p.correct[majorityVote(p.answers).run] ? right : wrong).push(p);
  });
  return { majorityRight: poolsAuc(right), majorityWrong: poolsAuc(wrong) };
}
