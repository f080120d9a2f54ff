import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataLineError } from '../../src/tasks/json-lines.js';
import {
  type RealTaskItem,
  formatChoiceQuestion,
  loadCommonsenseQa,
  loadGsm8k,
  loadSvamp,
} from '../../src/tasks/real-datasets.js';
import { parseNumber, scoreRealItem } from '../../src/tasks/scoring.js';
import { sharedDir } from '../helpers/shared.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-real-datasets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const jsonl = (...records: unknown[]): string => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

async function expectLineError(load: Promise<unknown>, path: string, line: number, problem: RegExp): Promise<void> {
  await assert.rejects(load, (e: unknown) => {
    assert.ok(e instanceof DataLineError, String(e));
    assert.equal(e.file, path);
    assert.equal(e.line, line);
    assert.match(e.problem, problem);
    assert.ok(e.message.startsWith(`${path}:${line}: `));
    return true;
  });
}

test('GSM8K fixture: gold after ####, commas removed, solution kept without the answer line', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'test.jsonl');
  await writeFile(
    path,
    jsonl(
      { question: 'How many sprints?', answer: 'He sprints 3*3=<<3*3=9>>9 times\n#### 9' },
      { question: 'What profit?', answer: 'Profit 200,000-130,000=70,000\n#### 70,000' },
    ),
  );
  const items = await loadGsm8k(path);
  assert.deepEqual(items, [
    { id: 'gsm8k-test-00000', dataset: 'gsm8k', question: 'How many sprints?', answer: '9', solution: 'He sprints 3*3=<<3*3=9>>9 times' },
    { id: 'gsm8k-test-00001', dataset: 'gsm8k', question: 'What profit?', answer: '70000', solution: 'Profit 200,000-130,000=70,000' },
  ]);
  assert.ok(scoreRealItem('So he made $70,000.', items[1]!).correct);
});

test('GSM8K/SVAMP malformed lines name the file and 1-based line', async (t) => {
  const dir = await tempDir(t);
  const good = { question: 'q', answer: 'x\n#### 3' };
  const cases: Array<[unknown, RegExp]> = [
    ['{"question": "q", "answer": ', /^invalid JSON: /],
    [{ answer: '#### 3' }, /^missing field "question"$/],
    [{ question: 'q' }, /^missing field "answer"$/],
    [{ question: 'q', answer: 3 }, /^field "answer" must be a string, got 3$/],
    [{ question: 'q', answer: 'the answer is 3' }, /^field "answer" has no "#### <number>" line$/],
    [{ question: 'q', answer: 'so\n#### three' }, /^gold answer "three" after "####" is not a number$/],
    ['"just a string"', /^expected a JSON object/],
  ];
  for (const [i, [bad, problem]] of cases.entries()) {
    const path = join(dir, `case${i}.jsonl`);
    await writeFile(path, jsonl(good, good, bad, good));
    await expectLineError(loadGsm8k(path), path, 3, problem);
    await expectLineError(loadSvamp(path), path, 3, problem);
  }
  const blank = join(dir, 'blank.jsonl');
  await writeFile(blank, `${JSON.stringify(good)}\n\n${JSON.stringify(good)}\n`);
  await expectLineError(loadGsm8k(blank), blank, 2, /^empty line/);
});

test('SVAMP fixture: float golds kept as written', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'test.jsonl');
  await writeFile(path, jsonl({ question: 'Each pack costs 76 dollars...', answer: '( 76.0 - 25.0 ) = \n#### 51.0' }));
  const [item] = await loadSvamp(path);
  assert.deepEqual(item, {
    id: 'svamp-test-00000',
    dataset: 'svamp',
    question: 'Each pack costs 76 dollars...',
    answer: '51.0',
    solution: '( 76.0 - 25.0 ) =',
  });
  assert.ok(scoreRealItem('You pay 51 dollars.', item!).correct);
});

test('CommonsenseQA fixture: dev layout and raw release layout give the same item shape', async (t) => {
  const dir = await tempDir(t);
  const dev = join(dir, 'dev.jsonl');
  await writeFile(
    dev,
    jsonl(
      { question: 'A revolving door is a security measure at a what? \nA. bank \nB. library \nC. department store \nD. mall \nE. new york \n', answer: 'A' },
      { question: 'Where?\nA. here\nB. there\nC. nowhere\nD. everywhere\nE. home', answerKey: 'E' },
    ),
  );
  const devItems = await loadCommonsenseQa(dev);
  assert.deepEqual(devItems[0], {
    id: 'commonsenseqa-dev-00000',
    dataset: 'commonsenseqa',
    question: 'A revolving door is a security measure at a what?',
    answer: 'A',
    choices: ['bank', 'library', 'department store', 'mall', 'new york'],
  });
  assert.equal(devItems[1]!.answer, 'E');
  assert.equal(formatChoiceQuestion(devItems[1]!), 'Where?\nA. here\nB. there\nC. nowhere\nD. everywhere\nE. home');

  const raw = join(dir, 'train_raw.jsonl');
  const labels = ['A', 'B', 'C', 'D', 'E'];
  await writeFile(
    raw,
    jsonl({
      answerKey: 'B',
      id: '61fe6e87',
      question: {
        question_concept: 'people',
        choices: labels.map((label, i) => ({ label, text: ['race track', 'populated areas', 'the desert', 'apartment', 'roadblock'][i] })),
        stem: 'Sammy wanted to go to where the people were.  Where might he go?',
      },
    }),
  );
  const rawItems: RealTaskItem[] = await loadCommonsenseQa(raw);
  assert.deepEqual(rawItems, [
    {
      id: '61fe6e87',
      dataset: 'commonsenseqa',
      question: 'Sammy wanted to go to where the people were.  Where might he go?',
      answer: 'B',
      choices: ['race track', 'populated areas', 'the desert', 'apartment', 'roadblock'],
    },
  ]);
  assert.ok(scoreRealItem('People gather in populated areas. #### B', rawItems[0]!).correct);
});

test('CommonsenseQA malformed lines name the file and line', async (t) => {
  const dir = await tempDir(t);
  const good = { question: 'Q?\nA. a\nB. b\nC. c\nD. d\nE. e', answer: 'A' };
  const rawChoices = ['A', 'B', 'C', 'D', 'E'].map((label) => ({ label, text: label.toLowerCase() }));
  const cases: Array<[unknown, RegExp]> = [
    ['{oops}', /^invalid JSON: /],
    [{ answer: 'A' }, /^missing field "question"$/],
    [{ question: 'Q?\nA. a\nB. b' }, /^missing field "answer" \(or "answerKey"\)$/],
    [{ question: 'Q? no options', answer: 'A' }, /^field "question" has no option lines/],
    [{ question: 'A. a\nB. b', answer: 'A' }, /^field "question" has options but no question stem$/],
    [{ question: 'Q?\nA. a\nC. c', answer: 'A' }, /^option 2 is labelled "C", expected "B"$/],
    [{ question: 'Q?\nA. a\nB. b', answer: 'D' }, /^gold answer "D" is not one of the option letters A, B$/],
    [{ question: 42, answer: 'A' }, /^field "question" must be a string or an object, got 42$/],
    [{ id: 'x', question: { stem: 'Q?', choices: rawChoices } }, /^missing field "answerKey"$/],
    [{ answerKey: 'A', question: { stem: 'Q?', choices: rawChoices } }, /^missing field "id"$/],
    [{ answerKey: 'A', id: 'x', question: { choices: rawChoices } }, /^missing field "question\.stem"$/],
    [{ answerKey: 'A', id: 'x', question: { stem: 'Q?', choices: 'abc' } }, /^field "question\.choices" must be an array/],
    [{ answerKey: 'A', id: 'x', question: { stem: 'Q?', choices: [{ label: 'A' }, { label: 'B', text: 'b' }] } }, /^missing field "question\.choices\[0\]\.text"$/],
    [{ answerKey: 'A', id: 'x', question: { stem: 'Q?', choices: [rawChoices[0]] } }, /^expected 2 to 5 options, found 1$/],
  ];
  for (const [i, [bad, problem]] of cases.entries()) {
    const path = join(dir, `case${i}.jsonl`);
    await writeFile(path, jsonl(good, bad));
    await expectLineError(loadCommonsenseQa(path), path, 2, problem);
  }
});

/** The full public files, when the workplace's shared/ folder is present. */
const REAL_FILES: Array<[string, (path: string) => Promise<RealTaskItem[]>, number]> = [
  ['gsm8k/test.jsonl', loadGsm8k, 1319],
  ['gsm8k/train.jsonl', loadGsm8k, 7473],
  ['svamp/test.jsonl', loadSvamp, 1000],
  ['commonsenseqa/dev.jsonl', loadCommonsenseQa, 1221],
  ['commonsenseqa/train_raw.jsonl', loadCommonsenseQa, 9741],
];

for (const [file, load, rows] of REAL_FILES) {
  test(`shared ${file}: ${rows} rows, every gold answer parses`, async (t) => {
    const shared = sharedDir();
    const path = shared === undefined ? undefined : join(shared, 'datasets', file);
    if (path === undefined || !existsSync(path)) {
      t.skip('../shared not present');
      return;
    }
    const items = await load(path);
    assert.equal(items.length, rows);
    assert.equal(new Set(items.map((i) => i.id)).size, rows, 'ids are unique');
    for (const item of items) {
      assert.ok(item.question.length > 0, item.id);
      if (item.dataset === 'commonsenseqa') {
        assert.match(item.answer, /^[A-E]$/, item.id);
        assert.equal(item.choices?.length, 5, item.id);
      } else {
        assert.ok(Number.isFinite(parseNumber(item.answer)), `${item.id}: ${item.answer}`);
        assert.ok(!item.answer.includes(','), item.id);
      }
      // The gold answer, written as a model would write it, scores as correct.
      assert.ok(scoreRealItem(`so #### ${item.answer}`, item).correct, item.id);
    }
  });
}
