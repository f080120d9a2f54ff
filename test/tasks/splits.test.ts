import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TASK_GENERATOR_VERSION, type TaskManifest, generateTaskSplits } from '../../src/tasks/generate-splits.js';
import { readTaskJsonl } from '../../src/tasks/jsonl.js';
import { DEFAULT_TASK_SEED, SPLIT_NAMES, buildDomainSplits, difficultyCounts, taskId } from '../../src/tasks/splits.js';
import {
  DIFFICULTIES,
  DOMAINS,
  MAX_QUESTION_CHARS,
  MAX_TARGET_CHARS,
  TASK_CHARACTERS,
  type TaskItem,
  foreignCharacters,
  promptText,
  targetText,
} from '../../src/tasks/task.js';
import { checkTask } from './verify.js';

/** The committed files: dist/test/tasks -> project root -> datasets/tasks. */
const COMMITTED = resolve(__dirname, '../../../datasets/tasks');

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-tasks-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('difficultyCounts balances a split over difficulties 1..5', () => {
  assert.deepEqual(difficultyCounts(500), [100, 100, 100, 100, 100]);
  assert.deepEqual(difficultyCounts(12000), [2400, 2400, 2400, 2400, 2400]);
  assert.deepEqual(difficultyCounts(7), [2, 2, 1, 1, 1]);
  assert.deepEqual(difficultyCounts(0), [0, 0, 0, 0, 0]);
  assert.throws(() => difficultyCounts(-1), /non-negative integer/);
  assert.throws(() => difficultyCounts(2.5), /non-negative integer/);
});

test('taskId zero-pads the index', () => {
  assert.equal(taskId('math', 'test', 42), 'math-test-00042');
  assert.equal(taskId('choice', 'train', 11999), 'choice-train-11999');
});

test('small splits: sizes, balance, sequential ids, no shared or repeated questions', () => {
  for (const domain of DOMAINS) {
    const splits = buildDomainSplits(domain, { seed: 7, sizes: { train: 203, validation: 50, test: 25 } });
    const seen = new Set<string>();
    for (const split of SPLIT_NAMES) {
      const items = splits[split];
      const expected = { train: 203, validation: 50, test: 25 }[split];
      assert.equal(items.length, expected);
      assert.deepEqual(
        DIFFICULTIES.map((d) => items.filter((i) => i.difficulty === d).length),
        difficultyCounts(expected),
      );
      items.forEach((item, i) => {
        assert.equal(item.id, taskId(domain, split, i));
        assert.equal(item.domain, domain);
        assert.ok(!seen.has(item.question), `repeated question ${item.question}`);
        seen.add(item.question);
      });
      // Shuffled: difficulties are mixed, not in blocks.
      assert.notDeepEqual(
        items.map((i) => i.difficulty),
        [...items.map((i) => i.difficulty)].sort(),
      );
    }
  }
});

test('splits are deterministic from the seed and evaluation splits do not depend on the train size', () => {
  const a = buildDomainSplits('code', { seed: 3, sizes: { train: 100, validation: 20, test: 20 } });
  const b = buildDomainSplits('code', { seed: 3, sizes: { train: 100, validation: 20, test: 20 } });
  const c = buildDomainSplits('code', { seed: 4, sizes: { train: 100, validation: 20, test: 20 } });
  const d = buildDomainSplits('code', { seed: 3, sizes: { train: 400, validation: 20, test: 20 } });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.test, c.test);
  assert.deepEqual(d.test, a.test);
  assert.deepEqual(d.validation, a.validation);
});

test('generateTaskSplits writes nine JSONL files and a manifest that describes them', async (t) => {
  const dir = await tempDir(t);
  const summary = await generateTaskSplits(dir, { seed: 99, trainPerDomain: 60, evalPerDomain: 10 });
  assert.equal(summary.manifest.seed, 99);
  assert.equal(summary.manifest.files.length, 9);
  let total = 0;
  for (const entry of summary.manifest.files) {
    const bytes = await readFile(join(dir, entry.path));
    assert.equal(entry.bytes, bytes.length);
    assert.equal(entry.sha256, sha256(bytes));
    total += bytes.length;
    const items = await readTaskJsonl(join(dir, entry.path));
    assert.equal(items.length, entry.items);
    assert.equal(entry.items, entry.split === 'train' ? 60 : 10);
  }
  assert.equal(summary.totalBytes, total);
  const onDisk = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as TaskManifest;
  assert.deepEqual(onDisk, summary.manifest);
  // No temporary files are left behind by the atomic writes.
  for (const sub of ['', ...DOMAINS]) {
    assert.ok((await readdir(join(dir, sub))).every((name) => !name.endsWith('.tmp')));
  }
});

test('committed datasets/tasks: manifest hashes match and regeneration reproduces every byte', async (t) => {
  assert.ok(existsSync(join(COMMITTED, 'manifest.json')), `missing ${COMMITTED}/manifest.json`);
  const manifest = JSON.parse(await readFile(join(COMMITTED, 'manifest.json'), 'utf8')) as TaskManifest;
  assert.equal(manifest.seed, DEFAULT_TASK_SEED);
  assert.equal(manifest.version, TASK_GENERATOR_VERSION);
  assert.equal(manifest.characters, TASK_CHARACTERS);
  for (const entry of manifest.files) {
    assert.equal(sha256(await readFile(join(COMMITTED, entry.path))), entry.sha256, entry.path);
  }
  const dir = await tempDir(t);
  await generateTaskSplits(dir);
  for (const name of ['manifest.json', ...manifest.files.map((f) => f.path)]) {
    const fresh = await readFile(join(dir, name));
    const committed = await readFile(join(COMMITTED, name));
    assert.equal(sha256(fresh), sha256(committed), `${name} differs from a fresh generation`);
  }
});

test('committed datasets/tasks: default sizes, balanced, disjoint, valid, within the alphabet', async () => {
  for (const domain of DOMAINS) {
    const questions = new Map<string, string>();
    for (const split of SPLIT_NAMES) {
      const items: TaskItem[] = await readTaskJsonl(join(COMMITTED, domain, `${split}.jsonl`));
      const size = split === 'train' ? 12000 : 500;
      assert.equal(items.length, size, `${domain}/${split}`);
      assert.deepEqual(
        DIFFICULTIES.map((d) => items.filter((i) => i.difficulty === d).length),
        difficultyCounts(size),
      );
      for (const item of items) {
        const other = questions.get(item.question);
        assert.equal(other, undefined, `${item.id} repeats the question of ${other}`);
        questions.set(item.question, item.id);
        assert.equal(item.domain, domain);
        assert.ok(item.question.length <= MAX_QUESTION_CHARS);
        assert.ok(targetText(item).length <= MAX_TARGET_CHARS);
        assert.deepEqual(foreignCharacters(promptText(item) + targetText(item)), [], item.id);
        assert.deepEqual(checkTask(item), [], item.id);
      }
    }
  }
});
