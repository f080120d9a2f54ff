import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer } from '../../src/model/tokenizer/char-tokenizer.js';
import {
  TASK_CHARACTERS,
  checkDifficulty,
  foreignCharacters,
  isDomain,
  promptText,
  targetText,
  trainingText,
} from '../../src/tasks/task.js';

const item = {
  question: 'tom has 3 apples. he buys 4 more. he sells 2. how many apples now?',
  solution: '3+4=7. 7-2=5.',
  answer: '5',
};

test('prompt is the question and a newline; target is "solution #### answer"', () => {
  assert.equal(promptText(item), 'tom has 3 apples. he buys 4 more. he sells 2. how many apples now?\n');
  assert.equal(targetText(item), '3+4=7. 7-2=5. #### 5');
  assert.equal(trainingText(item), `${promptText(item)}3+4=7. 7-2=5. #### 5`);
  // Without worked steps the target is just the marker and the answer.
  assert.equal(targetText({ solution: '', answer: 'B' }), '#### B');
});

test('TASK_CHARACTERS: 45 distinct characters, sorted, including the prompt newline', () => {
  const chars = Array.from(TASK_CHARACTERS);
  assert.equal(chars.length, 45);
  assert.equal(new Set(chars).size, chars.length);
  assert.deepEqual([...chars].sort(), chars);
  assert.ok(chars.includes('\n'));
  for (const ch of '0123456789#=+-*ABCDE') assert.ok(chars.includes(ch), `missing ${ch}`);
});

test('a char tokenizer built from TASK_CHARACTERS round-trips a training text', () => {
  const tok = CharTokenizer.fromCharacters(TASK_CHARACTERS);
  const text = trainingText(item);
  const ids = tok.encode(text);
  assert.equal(ids.length, text.length);
  assert.equal(tok.decode(ids), text);
  assert.throws(() => tok.encode('tom has 3 eggs.'), /unknown character "g"/);
});

test('foreignCharacters lists characters outside the alphabet once each', () => {
  assert.deepEqual(foreignCharacters(trainingText(item)), []);
  assert.deepEqual(foreignCharacters('Tom has 3 eggs, 3 eggs!'), ['T', 'g', ',', '!']);
});

test('checkDifficulty accepts 1..5 and rejects anything else; isDomain knows the three domains', () => {
  for (const d of [1, 2, 3, 4, 5]) assert.doesNotThrow(() => checkDifficulty(d));
  for (const d of [0, 6, 2.5, Number.NaN, -1]) assert.throws(() => checkDifficulty(d), /difficulty must be an integer in 1..5/);
  assert.ok(isDomain('math') && isDomain('code') && isDomain('choice'));
  assert.ok(!isDomain('physics') && !isDomain(3) && !isDomain(undefined));
});
