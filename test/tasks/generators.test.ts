import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import * as choice from '../../src/tasks/generators/choice.js';
import * as code from '../../src/tasks/generators/code.js';
import * as math from '../../src/tasks/generators/math.js';
import {
  CHOICE_LETTERS,
  DIFFICULTIES,
  DOMAINS,
  type Domain,
  type GeneratedTask,
  MAX_QUESTION_CHARS,
  MAX_TARGET_CHARS,
  type TaskGenerator,
  foreignCharacters,
  promptText,
  targetText,
} from '../../src/tasks/task.js';
import { checkTask } from './verify.js';

const GENERATORS: Record<Domain, TaskGenerator> = { math: math.generate, code: code.generate, choice: choice.generate };

function sample(domain: Domain, seed: number, difficulty: number, n: number): GeneratedTask[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => GENERATORS[domain](rng, difficulty));
}

for (const domain of DOMAINS) {
  test(`${domain}: answers recomputed from the question text match, for every difficulty`, () => {
    for (const difficulty of DIFFICULTIES) {
      for (const task of sample(domain, 11, difficulty, 400)) {
        assert.equal(task.domain, domain);
        assert.equal(task.difficulty, difficulty);
        assert.deepEqual(checkTask(task), [], JSON.stringify(task));
      }
    }
  });

  test(`${domain}: texts are short and use only TASK_CHARACTERS`, () => {
    for (const difficulty of DIFFICULTIES) {
      for (const task of sample(domain, 12, difficulty, 400)) {
        assert.ok(task.question.length <= MAX_QUESTION_CHARS, task.question);
        assert.ok(targetText(task).length <= MAX_TARGET_CHARS, targetText(task));
        assert.ok(!task.question.includes('\n'), 'questions are one line (the newline ends the prompt)');
        assert.deepEqual(foreignCharacters(promptText(task) + targetText(task)), []);
        assert.deepEqual(foreignCharacters((task.choices ?? []).join(' ')), []);
      }
    }
  });

  test(`${domain}: same seed, same tasks; another seed, other tasks`, () => {
    assert.deepEqual(sample(domain, 5, 3, 50), sample(domain, 5, 3, 50));
    const a = sample(domain, 5, 3, 50).map((t) => t.question);
    const b = sample(domain, 6, 3, 50).map((t) => t.question);
    assert.ok(a.filter((q, i) => q !== b[i]).length >= 45);
  });

  test(`${domain}: every difficulty has far more distinct questions than a split needs`, () => {
    // The default splits take 2600 questions per difficulty (2400 train + 100 + 100).
    for (const difficulty of DIFFICULTIES) {
      const distinct = new Set(sample(domain, 13, difficulty, 4000).map((t) => t.question)).size;
      assert.ok(distinct >= 3200, `${domain} difficulty ${difficulty}: only ${distinct} distinct of 4000`);
    }
  });

  test(`${domain}: difficulty outside 1..5 is rejected`, () => {
    for (const d of [0, 6, 1.5]) assert.throws(() => GENERATORS[domain](new Rng(1), d), /difficulty must be an integer in 1\.\.5/);
  });
}

test('math: all sentence kinds and operations occur; answers spread over 0..99', () => {
  const tasks = DIFFICULTIES.flatMap((d) => sample('math', 21, d, 300));
  const text = tasks.map((t) => `${t.question} ${t.solution}`).join(' ');
  for (const phrase of ['buys', 'finds', 'wins', 'sells', 'loses', 'eats', 'doubles', 'triples', ' sets of ', ' piles of ', '+', '-', '*']) {
    assert.ok(text.includes(phrase), `never saw ${JSON.stringify(phrase)}`);
  }
  const answers = new Set(tasks.map((t) => Number(t.answer)));
  assert.ok(answers.size >= 90, `only ${answers.size} distinct answers`);
  // "eats" only for food.
  for (const t of tasks) {
    if (t.question.includes('eats')) assert.match(t.question, /(apples|plums|pears|buns|pies|nuts) now\?$/);
  }
});

test('code: queries are not always the last assigned variable', () => {
  const tasks = sample('code', 22, 4, 500);
  const notLast = tasks.filter((t) => {
    const statements = t.question.split('; ');
    const lastTarget = statements[statements.length - 2]!.split('=')[0];
    return statements[statements.length - 1] !== `${lastTarget}?`;
  });
  assert.ok(notLast.length > 100 && notLast.length < 400, `${notLast.length} of 500`);
});

test('choice: the correct option position is uniform over A-E, both question kinds occur', () => {
  const tasks = DIFFICULTIES.flatMap((d) => sample('choice', 23, d, 1000));
  const counts = new Map(CHOICE_LETTERS.map((l) => [l, 0]));
  for (const t of tasks) counts.set(t.answer, counts.get(t.answer)! + 1);
  // 5000 draws: expected 1000 per letter, standard deviation ~28.
  for (const [letter, n] of counts) assert.ok(n > 880 && n < 1120, `${letter}: ${n}`);
  const best = tasks.filter((t) => t.question.includes('who is best?')).length;
  assert.ok(best > 2300 && best < 2700, `best asked ${best} times of 5000`);
});
