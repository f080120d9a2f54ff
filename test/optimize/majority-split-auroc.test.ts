/** Within-question AUROC split by whether majority voting gets the question right. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withinQuestionAurocByMajority } from '../../src/optimize/majority-split-auroc.js';
import type { QuestionPool } from '../../src/optimize/candidate-pool.js';

// Four questions of four runs. The rewards rank every question's runs in run order, which is what a
// reward that rewards agreeing with the majority would do here (the majority answer comes first).
const pools: QuestionPool[] = [
  { answers: ['5', '5', '5', '7'], correct: [true, true, true, false], rewards: [0.9, 0.8, 0.7, 0.1] },
  { answers: ['3', '3', '3', '4'], correct: [false, false, false, true], rewards: [0.9, 0.8, 0.7, 0.1] },
  { answers: ['2', '2', '2', '2'], correct: [true, true, true, true], rewards: [0.5, 0.5, 0.5, 0.5] },
  { answers: ['', '', '9', '9'], correct: [false, false, false, false], rewards: [0.4, 0.3, 0.2, 0.1] },
];

test('a consensus-like reward: perfect where the majority is right, 0 where it is wrong', () => {
  const split = withinQuestionAurocByMajority(pools);
  // Question 2 (all correct) and question 3 (all wrong) have no ranking to judge.
  assert.deepEqual(split, { majorityRight: { mean: 1, mixedGroups: 1 }, majorityWrong: { mean: 0, mixedGroups: 1 } });
});

test('a reward that finds the correct minority scores above 0.5 where the majority is wrong', () => {
  const finder = pools.map((p, q) => (q === 1 ? { ...p, rewards: [0.9, 0.8, 0.7, 0.95] } : p));
  assert.deepEqual(withinQuestionAurocByMajority(finder).majorityWrong, { mean: 1, mixedGroups: 1 });
});

test('the majority follows majorityVote: ties go to the answer given first, empty answers do not vote', () => {
  // '1' and '6' tie; '1' comes first and is wrong, so the question counts as majority-wrong.
  const tie = withinQuestionAurocByMajority([{ answers: ['1', '6', '1', '6', ''], correct: [false, true, false, true, false], rewards: [0.2, 0.9, 0.1, 0.8, 0.5] }]);
  assert.deepEqual(tie, { majorityRight: { mean: null, mixedGroups: 0 }, majorityWrong: { mean: 1, mixedGroups: 1 } });
});

test('bad input names the pool and what was expected', () => {
  assert.throws(() => withinQuestionAurocByMajority([pools[0]!, { ...pools[1]!, correct: [true, false, true] }]), /withinQuestionAurocByMajority: pools\[1\]\.correct has 3 values but the pool has 4 runs; expected one per run/);
  assert.throws(() => withinQuestionAurocByMajority([pools[0]!, { answers: [], correct: [], rewards: [] }]), /withinQuestionAurocByMajority: pools\[1\]: no runs; expected at least one candidate/);
  assert.throws(() => withinQuestionAurocByMajority([{ ...pools[0]!, rewards: [0.9, Number.NaN, 0.7, 0.1] }]), /withinQuestionAurocByMajority: pools\[0\]\.rewards\[1\] is NaN; expected a finite number/);
});
