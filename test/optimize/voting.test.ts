/** Majority and reward-weighted voting: counts, ties, abstentions, bad weights. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { majorityVote, weightedMajorityVote } from '../../src/optimize/voting.js';

test('majority: the most frequent answer, represented by its first run', () => {
  assert.deepEqual(majorityVote(['3', '4', '4', '3', '4']), { answer: '4', run: 1, total: 3 });
  assert.deepEqual(majorityVote(['x']), { answer: 'x', run: 0, total: 1 });
});

test('majority ties go to the answer that appears first', () => {
  assert.deepEqual(majorityVote(['b', 'a', 'a', 'b']), { answer: 'b', run: 0, total: 2 });
  assert.deepEqual(majorityVote(['c', 'a', 'b']), { answer: 'c', run: 0, total: 1 });
});

test('empty answers do not vote; with no answer at all the output is run 0 with ""', () => {
  assert.deepEqual(majorityVote(['', '', '5', '', '']), { answer: '5', run: 2, total: 1 });
  assert.deepEqual(majorityVote(['', '7', '', '8', '8']), { answer: '8', run: 3, total: 2 });
  assert.deepEqual(majorityVote(['', '']), { answer: '', run: 0, total: 0 });
  assert.deepEqual(weightedMajorityVote(['', ''], [0.9, 0.2]), { answer: '', run: 0, total: 0 });
});

test('weighted: the answer with the largest summed reward, ties to the first appearing', () => {
  const answers = ['7', '7', '8', ''];
  assert.equal(majorityVote(answers).answer, '7');
  const w = weightedMajorityVote(answers, [0.2, 0.3, 0.9, 1]);
  assert.equal(w.answer, '8');
  assert.equal(w.run, 2);
  assert.ok(Math.abs(w.total - 0.9) < 1e-12);
  assert.deepEqual(weightedMajorityVote(['a', 'b', 'b'], [0.5, 0.25, 0.25]), { answer: 'a', run: 0, total: 0.5 });
  assert.deepEqual(weightedMajorityVote(['a', 'b'], [0, 0]), { answer: 'a', run: 0, total: 0 });
});

test('bad input is named', () => {
  assert.throws(() => majorityVote([]), /answers is empty/);
  assert.throws(() => majorityVote(['a', 3 as never]), /answers\[1\] is 3; expected a string/);
  assert.throws(() => weightedMajorityVote(['a', 'b'], [0.5]), /weights has 1 values but the pool has 2 runs/);
  assert.throws(() => weightedMajorityVote(['a', 'b'], [0.5, NaN]), /weights\[1\] is NaN; expected a finite number/);
  assert.throws(() => weightedMajorityVote(['a', 'b'], [0.5, -0.1]), /weights\[1\] is -0\.1; expected weights >= 0/);
});
