import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataLineError } from '../../src/tasks/json-lines.js';
import { formatTaskJsonl, readTaskJsonl, serializeTaskItem, writeTaskJsonl } from '../../src/tasks/jsonl.js';
import type { TaskItem } from '../../src/tasks/task.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-tasks-jsonl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const MATH: TaskItem = {
  id: 'math-test-00000',
  domain: 'math',
  difficulty: 2,
  question: 'tom has 3 apples. he buys 4 more. he sells 2. how many apples now?',
  solution: '3+4=7. 7-2=5.',
  answer: '5',
};
const CHOICE: TaskItem = {
  id: 'choice-test-00000',
  domain: 'choice',
  difficulty: 1,
  question: 'ann beat bob. who is best? bob=A ann=B cid=C dan=D eli=E',
  solution: 'ann=B>bob=A. ann=B.',
  answer: 'B',
  choices: ['bob', 'ann', 'cid', 'dan', 'eli'],
};

const MATH_LINE =
  '{"id":"math-test-00000","domain":"math","difficulty":2,"question":"tom has 3 apples. he buys 4 more. he sells 2. how many apples now?","solution":"3+4=7. 7-2=5.","answer":"5"}';

test('serialisation: fixed key order whatever the object order, no spaces, one line per item, trailing newline', () => {
  const shuffled = { answer: '5', solution: MATH.solution, question: MATH.question, difficulty: 2, domain: 'math', id: MATH.id } as TaskItem;
  assert.equal(serializeTaskItem(shuffled), MATH_LINE);
  const text = formatTaskJsonl([MATH, CHOICE]);
  assert.equal(
    text,
    `${MATH_LINE}\n{"id":"choice-test-00000","domain":"choice","difficulty":1,"question":"ann beat bob. who is best? bob=A ann=B cid=C dan=D eli=E","solution":"ann=B>bob=A. ann=B.","answer":"B","choices":["bob","ann","cid","dan","eli"]}\n`,
  );
  assert.equal(formatTaskJsonl([]), '');
});

test('write then read returns the same items; rewriting gives identical bytes and leaves no temp files', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'tasks.jsonl');
  const written = await writeTaskJsonl(path, [MATH, CHOICE]);
  const first = await readFile(path);
  assert.equal(first.toString('utf8'), written);
  assert.deepEqual(await readTaskJsonl(path), [MATH, CHOICE]);
  await writeTaskJsonl(path, [MATH, CHOICE]);
  assert.deepEqual(await readFile(path), first);
  assert.deepEqual(await readdir(dir), ['tasks.jsonl']);
});

test('writing refuses invalid items and duplicate ids before touching the file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'bad.jsonl');
  await assert.rejects(writeTaskJsonl(path, [MATH, { ...MATH, id: 'x', difficulty: 9 }]), (e: unknown) => {
    assert.match((e as Error).message, /^cannot write .*bad\.jsonl: item 1 \("x"\): difficulty 9 out of range 1\.\.5$/);
    return true;
  });
  await assert.rejects(writeTaskJsonl(path, [MATH, MATH]), /item 1: duplicate id "math-test-00000"/);
  assert.deepEqual(await readdir(dir), []);
});

test('CRLF line ends and a byte order mark are accepted', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'crlf.jsonl');
  await writeFile(path, `\uFEFF${formatTaskJsonl([MATH, CHOICE]).replace(/\n/g, '\r\n')}`);
  assert.deepEqual(await readTaskJsonl(path), [MATH, CHOICE]);
});

/** Each case: the text of line 2 (line 1 is valid) and the expected problem. */
const MALFORMED: Array<[string, string, RegExp]> = [
  ['invalid JSON', '{"id": "x", ', /^invalid JSON: /],
  ['not an object', '[1, 2]', /^expected a JSON object, got \[1,2\]$/],
  ['missing field', JSON.stringify({ ...MATH, id: 'x', answer: undefined }), /^missing field "answer"$/],
  ['wrong type (string)', JSON.stringify({ ...MATH, id: 'x', question: 42 }), /^field "question" must be a string, got 42$/],
  ['wrong type (difficulty)', JSON.stringify({ ...MATH, id: 'x', difficulty: '2' }), /^field "difficulty" must be an integer, got "2"$/],
  ['difficulty not an integer', JSON.stringify({ ...MATH, id: 'x', difficulty: 2.5 }), /^field "difficulty" must be an integer, got 2\.5$/],
  ['difficulty too high', JSON.stringify({ ...MATH, id: 'x', difficulty: 6 }), /^difficulty 6 out of range 1\.\.5$/],
  ['difficulty too low', JSON.stringify({ ...MATH, id: 'x', difficulty: 0 }), /^difficulty 0 out of range 1\.\.5$/],
  ['unknown domain', JSON.stringify({ ...MATH, id: 'x', domain: 'physics' }), /^unknown domain "physics" \(expected one of math, code, choice\)$/],
  ['unexpected field', JSON.stringify({ ...MATH, id: 'x', extra: 1 }), /^unexpected field "extra"$/],
  ['empty id', JSON.stringify({ ...MATH, id: '' }), /^field "id" must not be empty$/],
  ['duplicate id', MATH_LINE, /^duplicate id "math-test-00000" \(first on line 1\)$/],
  ['non-numeric math answer', JSON.stringify({ ...MATH, id: 'x', answer: 'five' }), /^answer "five" must be a number for domain "math"$/],
  ['choices on math', JSON.stringify({ ...MATH, id: 'x', choices: ['a'] }), /^field "choices" is only allowed for domain "choice"$/],
  ['choice without choices', JSON.stringify({ ...CHOICE, choices: undefined }), /^missing field "choices" \(required for domain "choice"\)$/],
  ['choices not strings', JSON.stringify({ ...CHOICE, choices: [1, 2] }), /^field "choices" must be a non-empty array of strings/],
  ['answer not an option letter', JSON.stringify({ ...CHOICE, answer: 'F' }), /^answer "F" must be one of the option letters A, B, C, D, E$/],
  ['lower-case answer letter', JSON.stringify({ ...CHOICE, answer: 'b' }), /^answer "b" must be one of the option letters/],
  ['empty line', '   ', /^empty line \(expected one JSON object per line\)$/],
];

for (const [name, line, problem] of MALFORMED) {
  test(`reading a malformed line (${name}) names the file, the line and the problem`, async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'bad.jsonl');
    await writeFile(path, `${MATH_LINE}\n${line}\n${serializeTaskItem({ ...MATH, id: 'last' })}\n`);
    await assert.rejects(readTaskJsonl(path), (e: unknown) => {
      assert.ok(e instanceof DataLineError, String(e));
      assert.equal(e.file, path);
      assert.equal(e.line, 2);
      assert.match(e.problem, problem);
      assert.equal(e.message, `${path}:2: ${e.problem}`);
      return true;
    });
  });
}

test('a missing file is reported with its path', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'nope.jsonl');
  await assert.rejects(readTaskJsonl(path), (e: unknown) => {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOENT');
    assert.ok((e as Error).message.includes(path));
    return true;
  });
});
