import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CharTokenizer } from '../../../src/model/tokenizer/char-tokenizer.js';
import { loadTokenizer } from '../../../src/model/tokenizer/load-tokenizer.js';
import { tempDir, tinyTokenizerJson } from './fixtures.js';

const charJson = CharTokenizer.fromCharacters('hello').toJSON();

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir();
  try {
    await fn(dir);
  } finally {
    await cleanup();
  }
}

test('a directory with tokenizer.json gives a BPE tokenizer', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
    // A char file beside it is ignored: tokenizer.json takes precedence.
    await writeFile(join(dir, 'char-tokenizer.json'), JSON.stringify(charJson));
    const tok = await loadTokenizer(dir);
    assert.equal(tok.kind, 'bpe');
    assert.equal(tok.decode(tok.encode('the 42 😀')), 'the 42 😀');
  }));

test('a tokenizer.json in our char format gives a char tokenizer', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(charJson));
    const tok = await loadTokenizer(dir);
    assert.equal(tok.kind, 'char');
    assert.deepEqual(tok.encode('hello'), CharTokenizer.fromJSON(charJson, 'x').encode('hello'));
  }));

test('a directory with only char-tokenizer.json gives a char tokenizer', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'char-tokenizer.json'), JSON.stringify(charJson));
    assert.equal((await loadTokenizer(dir)).kind, 'char');
  }));

test('a file path is loaded by its content', () =>
  withDir(async (dir) => {
    const bpePath = join(dir, 'some-name.json');
    const charPath = join(dir, 'other-name.json');
    await writeFile(bpePath, JSON.stringify(tinyTokenizerJson()));
    await writeFile(charPath, JSON.stringify(charJson));
    assert.equal((await loadTokenizer(bpePath)).kind, 'bpe');
    assert.equal((await loadTokenizer(charPath)).kind, 'char');
  }));

test('errors: missing path, empty directory, bad JSON, unknown content', () =>
  withDir(async (dir) => {
    const missing = join(dir, 'no-such-model');
    await assert.rejects(loadTokenizer(missing), (e: Error) => e.message.includes(missing) && /does not exist/.test(e.message));

    const empty = join(dir, 'empty');
    await mkdir(empty);
    await assert.rejects(loadTokenizer(empty), (e: Error) =>
      e.message.includes(join(empty, 'tokenizer.json')) && e.message.includes(join(empty, 'char-tokenizer.json')),
    );

    const bad = join(dir, 'bad');
    await mkdir(bad);
    await writeFile(join(bad, 'tokenizer.json'), '{"model": {"type": "BPE",');
    await assert.rejects(loadTokenizer(bad), (e: Error) =>
      e.message.includes(join(bad, 'tokenizer.json')) && /not valid JSON/.test(e.message),
    );

    const other = join(dir, 'other.json');
    await writeFile(other, '{"hello": "world"}');
    await assert.rejects(loadTokenizer(other), /other\.json: not a recognised tokenizer file/);
  }));
