/**
 * Within-question AUROC split by whether majority voting gets the question right. LTO and best-of-N
 * beat majority voting only on questions whose majority answer is wrong, by ranking the correct
 * minority runs first. A reward that has learned no more than agreement with the other runs ranks
 * well where the majority is right and below chance (< 0.5) where it is wrong, so the pooled
 * within-question AUROC alone cannot tell the two kinds of reward apart.
 */
import { withinGroupAuc, type WithinGroupAuc } from '../stats/roc.js';
import { majorityVote } from './voting.js';

export interface AurocByMajority {
  /** Over the mixed questions (correct and incorrect runs) whose majority answer is right. */
  readonly majorityRight: WithinGroupAuc;
  /** Over the mixed questions whose majority answer is wrong (or that no run answered). */
  readonly majorityWrong: WithinGroupAuc;
}

/**
 * `scores`, `labels` and `answers` are indexed by run; `groups` lists each question's runs. The
 * majority is majorityVote over the group's answers (ties to the first answer given, as in the
 * evaluation), and it is right when its representative run is correct.
 */
export function withinQuestionAurocByMajority(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  answers: readonly string[],
  groups: readonly (readonly number[])[],
): AurocByMajority {
  if (answers.length !== labels.length) throw new Error(`withinQuestionAurocByMajority: ${answers.length} answers for ${labels.length} labels; expected one answer per run`);
  const right: (readonly number[])[] = [];
  const wrong: (readonly number[])[] = [];
  for (const [g, group] of groups.entries()) {
    if (group.length === 0) throw new Error(`withinQuestionAurocByMajority: group ${g} is empty; expected the runs of one question`);
    for (const i of group) {
      if (!Number.isInteger(i) || i < 0 || i >= answers.length) throw new Error(`withinQuestionAurocByMajority: group ${g} holds index ${i}; expected an integer in [0, ${answers.length})`);
    }
    const vote = majorityVote(group.map((i) => answers[i]!));
    (labels[group[vote.run]!] ? right : wrong).push(group);
  }
  return { majorityRight: withinGroupAuc(scores, labels, right), majorityWrong: withinGroupAuc(scores, labels, wrong) };
}
