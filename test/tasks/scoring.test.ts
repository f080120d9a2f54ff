import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  answersMatch,
  extractChoiceLetter,
  extractFinalAnswer,
  extractLastNumber,
  extractLastNumberText,
  parseNumber,
  parseReferenceAnswer,
  scoreCommonsenseQa,
  scoreGsm8k,
  scoreRealItem,
  scoreSvamp,
  scoreSynthetic,
} from '../../src/tasks/scoring.js';

test('extractFinalAnswer: text after the last ####, to the end of that line, trimmed', () => {
  assert.equal(extractFinalAnswer('3+4=7. #### 7'), '7');
  assert.equal(extractFinalAnswer('#### 3 then #### 8  '), '8');
  assert.equal(extractFinalAnswer('a=1. ####12\nmore text'), '12');
  assert.equal(extractFinalAnswer('x #### B\r\nnext'), 'B');
  assert.equal(extractFinalAnswer('3+4=7. 7'), undefined);
  assert.equal(extractFinalAnswer('3+4=7. ####   '), undefined);
  assert.equal(extractFinalAnswer(''), undefined);
});

test('answersMatch: numbers as numbers, letters case-insensitively, nothing never matches', () => {
  assert.ok(answersMatch('7', '7'));
  assert.ok(answersMatch('07', '7'));
  assert.ok(answersMatch('7.0', '7'));
  assert.ok(answersMatch('1,000', '1000'));
  assert.ok(!answersMatch('8', '7'));
  assert.ok(!answersMatch('7 apples', '7'));
  assert.ok(!answersMatch('seven', '7'));
  assert.ok(answersMatch('b', 'B'));
  assert.ok(answersMatch('B', 'B'));
  assert.ok(!answersMatch('C', 'B'));
  assert.ok(!answersMatch('B.', 'B'));
  assert.ok(!answersMatch(undefined, '7'));
  assert.ok(!answersMatch(undefined, 'A'));
});

test('scoreSynthetic reports what it extracted and whether it is right', () => {
  assert.deepEqual(scoreSynthetic('3+4=7. 7-2=5. #### 5', '5'), { extracted: '5', correct: true });
  assert.deepEqual(scoreSynthetic('3+4=7. 7-2=5. #### 6', { answer: '5' }), { extracted: '6', correct: false });
  assert.deepEqual(scoreSynthetic('3+4=7. 7-2=5.', '5'), { extracted: undefined, correct: false });
  assert.deepEqual(scoreSynthetic('ann=B>bob=A. ann=B. #### b', 'B'), { extracted: 'b', correct: true });
});

test('parseNumber: signs, decimals and grouped thousands; anything else is not a number', () => {
  assert.equal(parseNumber('72'), 72);
  assert.equal(parseNumber(' -3.5 '), -3.5);
  assert.equal(parseNumber('1,000'), 1000);
  assert.equal(parseNumber('12,345,678.25'), 12345678.25);
  for (const bad of ['', '3,4', '1,00', '1.', '.5', '5 apples', '$5', 'e3', '1e3']) assert.equal(parseNumber(bad), undefined, bad);
});

test('GSM8K gold: the number after the last ####, commas allowed', () => {
  assert.equal(parseReferenceAnswer('He sprints 3*3=<<3*3=9>>9 times\nSo he runs 9*60=540 meters\n#### 540'), 540);
  assert.equal(parseReferenceAnswer('... 70,000\n#### 70,000'), 70000);
  assert.equal(parseReferenceAnswer('( 76.0 - 25.0 ) = \n#### 51.0'), 51);
  assert.equal(parseReferenceAnswer('#### -4'), -4);
  assert.throws(() => parseReferenceAnswer('the answer is 5'), /no "#### <number>"/);
  assert.throws(() => parseReferenceAnswer('#### five'), /"#### five" is not a number/);
});

test('last number in free text: commas removed, minus only as a sign, trailing periods ignored', () => {
  assert.equal(extractLastNumber('Janet sells 16 - 3 - 4 = 9 eggs, making $18.'), 18);
  assert.equal(extractLastNumberText('The profit is $70,000.'), '70,000');
  assert.equal(extractLastNumber('The profit is $70,000.'), 70000);
  assert.equal(extractLastNumber('5-3=2'), 2);
  assert.equal(extractLastNumber('so 10-12'), 12);
  assert.equal(extractLastNumber('the change is -3'), -3);
  assert.equal(extractLastNumber('about 3.75 hours'), 3.75);
  assert.equal(extractLastNumber('numbers 3,4 listed'), 4);
  assert.equal(extractLastNumber('1,000,000 people'), 1000000);
  assert.equal(extractLastNumber('no digits here'), undefined);
});

test('scoreGsm8k: last number of the output equals the gold as numbers', () => {
  assert.deepEqual(scoreGsm8k('She makes 9 * 2 = $18 every day.\n#### 18', '18'), { extracted: '18', correct: true });
  assert.deepEqual(scoreGsm8k('The answer is 1,000', '1000'), { extracted: '1,000', correct: true });
  assert.ok(scoreGsm8k('The answer is 1000.00', 1000).correct);
  assert.ok(!scoreGsm8k('18 eggs, sold for 2 each', '18').correct, 'only the LAST number counts');
  assert.deepEqual(scoreGsm8k('I do not know', '18'), { extracted: undefined, correct: false });
  assert.throws(() => scoreGsm8k('18', 'eighteen'), /not a number/);
});

test('scoreSvamp: tolerance 0.01 against float golds', () => {
  assert.ok(scoreSvamp('( 76 - 25 ) = 51', '51.0').correct);
  assert.ok(scoreSvamp('that is 1.333 hours', '1.33').correct);
  assert.ok(!scoreSvamp('that is 1.35 hours', '1.33').correct);
  assert.ok(!scoreSvamp('52', '51.0').correct);
  assert.ok(!scoreSvamp('no answer', '51.0').correct);
});

test('CommonsenseQA: the last standalone capital A-E', () => {
  assert.equal(extractChoiceLetter('Banks have revolving doors. #### A'), 'A');
  assert.equal(extractChoiceLetter('The answer is (C).'), 'C');
  assert.equal(extractChoiceLetter('B or D? I pick D.'), 'D');
  assert.equal(extractChoiceLetter('Bob Dylan is Every thing'), undefined, 'letters inside words do not count');
  assert.equal(extractChoiceLetter('the answer is b'), undefined, 'lower case does not count');
  assert.equal(extractChoiceLetter('E. new york'), 'E');
  assert.deepEqual(scoreCommonsenseQa('explanation #### B', 'B'), { extracted: 'B', correct: true });
  assert.deepEqual(scoreCommonsenseQa('explanation #### B', 'C'), { extracted: 'B', correct: false });
  assert.deepEqual(scoreCommonsenseQa('no idea', 'A'), { extracted: undefined, correct: false });
  assert.throws(() => scoreCommonsenseQa('A', 'F'), /not a letter A-E/);
});

test('scoreRealItem dispatches on the dataset', () => {
  assert.ok(scoreRealItem('total 1,000', { dataset: 'gsm8k', answer: '1000' }).correct);
  assert.ok(!scoreRealItem('total 51.005', { dataset: 'gsm8k', answer: '51.0' }).correct);
  assert.ok(scoreRealItem('total 51.005', { dataset: 'svamp', answer: '51.0' }).correct);
  assert.ok(scoreRealItem('so the answer is B', { dataset: 'commonsenseqa', answer: 'B' }).correct);
});
