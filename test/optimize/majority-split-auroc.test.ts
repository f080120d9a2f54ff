/** Within-question AUROC split by whether majority voting gets the question right. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withinQuestionAurocByMajority } from '../../src/optimize/majority-split-auroc.js';

// Four questions of four runs. The scores rank every question's runs in run order, which is what a
// reward that rewards agreeing with the majority would do here (the majority answer comes first).
const answers = ['5', '5', '5', '7', /**/ '3', '3', '3', '4', /**/ '2', '2', '2', '2', /**/ '', '', '9', '9'];
const labels = [true, true, true, false, /**/ false, false, false, true, /**/ true, true, true, true, /**/ false, false, false, false];
const scores = [0.9, 0.8, 0.7, 0.1, /**/ 0.9, 0.8, 0.7, 0.1, /**/ 0.5, 0.5, 0.5, 0.5, /**/ 0.4, 0.3, 0.2, 0.1];
const groups = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]];

test('a consensus-like reward: perfect where the majority is right, 0 where it is wrong', () => {
  const split = withinQuestionAurocByMajority(scores, labels, answers, groups);
  // Question 2 (all correct) and question 3 (all wrong) have no ranking to judge.
  assert.deepEqual(split, { majorityRight: { mean: 1, mixedGroups: 1 }, majorityWrong: { mean: 0, mixedGroups: 1 } });
});

test('a reward that finds the correct minority scores above 0.5 where the majority is wrong', () => {
  const finder = [...scores];
  finder[7] = 0.95;
  assert.deepEqual(withinQuestionAurocByMajority(finder, labels, answers, groups).majorityWrong, { mean: 1, mixedGroups: 1 });
});

test('the majority follows majorityVote: ties go to the answer given first, empty answers do not vote', () => {
  // '1' and '6' tie; '1' comes first and is wrong, so the question counts as majority-wrong.
  const tie = withinQuestionAurocByMajority([0.2, 0.9, 0.1, 0.8, 0.5], [false, true, false, true, false], ['1', '6', '1', '6', ''], [[0, 1, 2, 3, 4]]);
  assert.deepEqual(tie, { majorityRight: { mean: null, mixedGroups: 0 }, majorityWrong: { mean: 1, mixedGroups: 1 } });
});

test('bad input names what was expected', () => {
  assert.throws(() => withinQuestionAurocByMajority(scores, labels, answers.slice(1), groups), /15 answers for 16 labels; expected one answer per run/);
  assert.throws(() => withinQuestionAurocByMajority(scores, labels, answers, [[0, 1], []]), /group 1 is empty/);
  assert.throws(() => withinQuestionAurocByMajority(scores, labels, answers, [[0, 16]]), /group 0 holds index 16; expected an integer in \[0, 16\)/);
});
