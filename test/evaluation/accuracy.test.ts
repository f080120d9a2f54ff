import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeOutcomes, type RunOutcome } from '../../src/evaluation/accuracy.js';
import type { TaskItem } from '../../src/tasks/task.js';

const item = (id: string, difficulty: number): TaskItem => ({ id, domain: 'math', difficulty, question: 'q', solution: 's', answer: '1' });
const outcome = (id: string, run: number, correct: boolean): RunOutcome => ({ id, run, output: '', extracted: undefined, correct });

test('accuracy is the mean over runs, pass@N the share of questions with a correct run, both per difficulty', () => {
  const items = [item('a', 1), item('b', 1), item('c', 3)];
  const outcomes = [
    outcome('a', 0, true), outcome('a', 1, true),
    outcome('b', 0, false), outcome('b', 1, true),
    outcome('c', 0, false), outcome('c', 1, false),
  ];
  const r = summarizeOutcomes(items, 2, outcomes);
  assert.equal(r.accuracy, 3 / 6);
  assert.equal(r.passAtN, 2 / 3);
  assert.deepEqual(r.byDifficulty, [
    { difficulty: 1, nQuestions: 2, accuracy: 3 / 4, passAtN: 1 },
    { difficulty: 3, nQuestions: 1, accuracy: 0, passAtN: 0 },
  ]);
  assert.equal(summarizeOutcomes([], 2, []).accuracy, 0);
});
