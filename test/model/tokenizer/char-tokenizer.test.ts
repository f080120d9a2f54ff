import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CharTokenizer, DEFAULT_CHAR_SPECIAL_TOKENS } from '../../../src/model/tokenizer/char-tokenizer.js';
import { tempDir } from './fixtures.js';

const tok = CharTokenizer.fromCharacters('abc xyz\n.é😀');

test('vocabulary is the specials then the distinct characters in order of appearance', () => {
  assert.equal(tok.kind, 'char');
  assert.equal(tok.vocabSize, DEFAULT_CHAR_SPECIAL_TOKENS.length + 11);
  assert.deepEqual(tok.toJSON().tokens, [...DEFAULT_CHAR_SPECIAL_TOKENS, 'a', 'b', 'c', ' ', 'x', 'y', 'z', '\n', '.', 'é', '😀']);
  assert.deepEqual(tok.specialTokens, { bos: 1, eos: [3, 2], pad: 0 });
  assert.equal(CharTokenizer.fromCharacters('abca', []).vocabSize, 3);
});

test('round trips text, one id per character (emoji included)', () => {
  const text = 'abc 😀 xyz.\né';
  const ids = tok.encode(text);
  assert.equal(ids.length, Array.from(text).length);
  assert.equal(tok.decode(ids), text);
  assert.deepEqual(tok.encode(''), []);
  assert.equal(tok.decode([]), '');
});

test('special tokens are matched before single characters', () => {
  const ids = tok.encode('<|begin_text|>ab<|end_turn|>');
  assert.deepEqual(ids, [1, tok.tokenToId('a'), tok.tokenToId('b'), 3]);
  assert.equal(tok.decode(ids), '<|begin_text|>ab<|end_turn|>');
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'ab');
  assert.deepEqual(tok.encode('ab', { addSpecialTokens: true }), [1, ...tok.encode('ab')]);
  // Of two specials sharing a prefix, the longer one wins wherever it is written.
  const nested = new CharTokenizer(['<|a|>', '<|a|>b', 'b', 'c']);
  assert.deepEqual(nested.encode('c<|a|>b<|a|>c'), [3, 1, 0, 3]);
});

test('a user-chosen subset of specials sets only those roles', () => {
  const small = CharTokenizer.fromCharacters('hi', ['<|end_text|>']);
  assert.deepEqual(small.specialTokens, { eos: [0] });
  assert.deepEqual(small.encode('hi<|end_text|>', { addSpecialTokens: true }), [1, 2, 0]);
  assert.throws(() => CharTokenizer.fromCharacters('hi', ['x']), /"x" must be longer than one character/);
});

test('an unknown character is an error naming it, its position and the vocabulary', () => {
  assert.throws(
    () => tok.encode('abc?'),
    (e: Error) =>
      /unknown character "\?" \(U\+003F\) at position 3 of the text/.test(e.message) &&
      e.message.includes('the vocabulary has 11 characters: "abc xyz\\n.é😀"') &&
      e.message.includes('CharTokenizer.fromCharacters'),
  );
  // Positions are string indices, so they can be used with text.slice().
  assert.throws(() => tok.encode('😀ab!'), /"!" \(U\+0021\) at position 4/);
  // Large vocabularies are shown truncated.
  const big = CharTokenizer.fromCharacters(Array.from({ length: 200 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join(''));
  assert.throws(() => big.encode('a'), /200 characters: "一.*\.\.\."/);
});

test('decode refuses ids outside the vocabulary', () => {
  assert.throws(() => tok.decode([4, 17]), /cannot decode token id 17 at index 1: not in the vocabulary \(size 17\)/);
  assert.throws(() => tok.decode([-1]), /token id -1/);
  assert.equal(tok.idToToken(2.5), undefined);
});

test('JSON round trip and validation', () => {
  const json = JSON.parse(JSON.stringify(tok)) as unknown;
  assert.deepEqual(json, { type: 'char', version: 1, tokens: tok.toJSON().tokens });
  const back = CharTokenizer.fromJSON(json, 'copy');
  assert.deepEqual(back.toJSON(), tok.toJSON());
  assert.deepEqual(back.encode('<|pad|>xyz😀'), tok.encode('<|pad|>xyz😀'));

  assert.throws(() => CharTokenizer.fromJSON({ type: 'bpe' }, 'v.json'), /v\.json: not a char tokenizer/);
  assert.throws(() => CharTokenizer.fromJSON({ type: 'char', version: 2, tokens: [] }, 'v.json'), /unsupported char tokenizer version 2/);
  assert.throws(() => CharTokenizer.fromJSON({ type: 'char', version: 1, tokens: ['a', 3] }, 'v.json'), /"tokens" must be an array of strings/);
  assert.throws(() => CharTokenizer.fromJSON({ type: 'char', version: 1, tokens: ['a', 'b', 'a'] }, 'v.json'), /v\.json: token "a" appears twice \(ids 0 and 2\)/);
  assert.throws(() => CharTokenizer.fromJSON({ type: 'char', version: 1, tokens: [''] }, 'v.json'), /token 0 must be a non-empty string/);
});

test('fromFile reads our format and names the file in errors', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'char-tokenizer.json');
    await writeFile(path, JSON.stringify(tok.toJSON()));
    const loaded = await CharTokenizer.fromFile(path);
    assert.deepEqual(loaded.toJSON(), tok.toJSON());
    await writeFile(path, 'not json');
    await assert.rejects(CharTokenizer.fromFile(path), (e: Error) => e.message.includes(path) && /not valid JSON/.test(e.message));
    await assert.rejects(CharTokenizer.fromFile(join(dir, 'missing.json')), /char tokenizer file not found: .*missing\.json/);
  } finally {
    await cleanup();
  }
});
