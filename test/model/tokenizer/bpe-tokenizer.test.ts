import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BpeTokenizer } from '../../../src/model/tokenizer/bpe-tokenizer.js';
import { REGULAR_VOCAB_SIZE, SPECIALS, tempDir, tinyTokenizerJson } from './fixtures.js';

const tok = BpeTokenizer.fromJSON(tinyTokenizerJson(), 'tiny');
const tokens = (text: string): (string | undefined)[] => tok.encode(text).map((id) => tok.idToToken(id));

test('round trips ASCII and non-ASCII text exactly', () => {
  const texts = [
    'Hello, world! The theme of the day.',
    ' leading space , odd spacing .\n\n\tand tabs  ',
    'héllo wörld — naïve café',
    'emoji 😀👍🏽 and flags 🇳🇴',
    '漢字とカタカナ、한국어',
    '',
  ];
  for (const text of texts) assert.equal(tok.decode(tok.encode(text)), text, JSON.stringify(text));
  // With no merges for them, non-ASCII characters fall back to one token per UTF-8 byte.
  assert.equal(tok.encode('é').length, 2);
  assert.equal(tok.encode('😀').length, 4);
  assert.equal(tok.encode('漢').length, 3);
});

test('digits become single tokens', () => {
  assert.deepEqual(tokens('12345'), ['1', '2', '3', '4', '5']);
  assert.deepEqual(tokens('year 2025'), ['y', 'e', 'a', 'r', 'Ġ', '2', '0', '2', '5']);
});

test('merges are applied in rank order', () => {
  assert.deepEqual(tokens('the'), ['the']);
  assert.deepEqual(tokens(' the'), ['Ġthe']);
  assert.deepEqual(tokens('the theme'), ['the', 'Ġthe', 'm', 'e']);
  assert.deepEqual(tokens('Huginn'), ['H', 'u', 'g', 'inn']);
  // Legacy "a b" merge strings give the same result.
  const legacy = BpeTokenizer.fromJSON(tinyTokenizerJson({ legacyMerges: true }), 'legacy');
  assert.deepEqual(legacy.encode('the theme Huginn'), tok.encode('the theme Huginn'));
});

test('special tokens in text encode to single ids, decode back, and can be skipped', () => {
  const ids = tok.encode('<|begin_text|>hi<|end_turn|>there<|end_text|>');
  const bos = tok.tokenToId('<|begin_text|>')!;
  const endTurn = tok.tokenToId('<|end_turn|>')!;
  const endText = tok.tokenToId('<|end_text|>')!;
  assert.deepEqual(ids, [bos, ...tok.encode('hi'), endTurn, ...tok.encode('there'), endText]);
  assert.equal(tok.decode(ids), '<|begin_text|>hi<|end_turn|>there<|end_text|>');
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'hithere');
  for (const name of SPECIALS) assert.equal(tok.idToToken(tok.tokenToId(name)!), name);
});

test('special-token roles are looked up by the Huginn names', () => {
  const base = REGULAR_VOCAB_SIZE;
  assert.deepEqual(tok.specialTokens, { bos: base, eos: [base + 4, base + 1], pad: base + 5 });
  assert.equal(tok.vocabSize, base + SPECIALS.length);
  assert.equal(tok.kind, 'bpe');

  // At Huginn's real ids, past a gap in the vocabulary: the size covers them, the gap is not decodable.
  const huginn = BpeTokenizer.fromJSON(tinyTokenizerJson({ specialBaseId: 65504 }), 'huginn-ids');
  assert.deepEqual(huginn.specialTokens, { bos: 65504, eos: [65508, 65505], pad: 65509 });
  assert.equal(huginn.vocabSize, 65510);
  assert.deepEqual(huginn.encode('<|begin_header|>x<|end_header|>'), [65506, 120, 65507]);
  assert.equal(huginn.idToToken(1000), undefined);
  assert.throws(() => huginn.decode([1000]), /token id 1000 at index 0: not in the vocabulary \(size 65510\)/);

  const plain = BpeTokenizer.fromJSON(tinyTokenizerJson({ withoutSpecials: true }), 'plain');
  assert.deepEqual(plain.specialTokens, { eos: [] });
  assert.equal(plain.encode('<|end_turn|>').length, '<|end_turn|>'.length);
});

test('addSpecialTokens adds exactly one leading BOS', () => {
  const bos = tok.specialTokens.bos!;
  assert.deepEqual(tok.encode('the', { addSpecialTokens: true }), [bos, ...tok.encode('the')]);
  assert.deepEqual(tok.encode('the'), tok.encode('the', { addSpecialTokens: false }));
  // A file whose post-processor already adds BOS does not get a second one.
  const withTemplate = BpeTokenizer.fromJSON(
    tinyTokenizerJson({
      postProcessor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<|begin_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }],
        special_tokens: { '<|begin_text|>': { id: '<|begin_text|>', ids: [bos], tokens: ['<|begin_text|>'] } },
      },
    }),
    'template',
  );
  assert.deepEqual(withTemplate.encode('the', { addSpecialTokens: true }), [bos, ...tok.encode('the')]);
  assert.deepEqual(withTemplate.encode('the'), tok.encode('the'));
});

test('decode handles the empty list and refuses unknown ids', () => {
  assert.equal(tok.decode([]), '');
  assert.throws(() => tok.decode([104, 99999]), /tiny: cannot decode token id 99999 at index 1/);
  assert.throws(() => tok.decode([1.5]), /token id 1.5/);
  assert.equal(tok.idToToken(-1), undefined);
  assert.equal(tok.tokenToId('not a token'), undefined);
});

test('fromJSON rejects what it cannot use, naming the source', () => {
  assert.throws(() => BpeTokenizer.fromJSON([], 'a.json'), /a\.json: a tokenizer.json must hold a JSON object/);
  assert.throws(() => BpeTokenizer.fromJSON({ version: '1.0' }, 'b.json'), /b\.json: .*no "model" object/);
  const wordPiece = { ...tinyTokenizerJson(), model: { type: 'WordPiece', vocab: {} } };
  assert.throws(() => BpeTokenizer.fromJSON(wordPiece, 'c.json'), /c\.json: unsupported .* "WordPiece"; only "BPE"/);
  const badDecoder = { ...tinyTokenizerJson(), decoder: { type: 'NoSuchDecoder' } };
  assert.throws(() => BpeTokenizer.fromJSON(badDecoder, 'd.json'), /d\.json: unsupported or invalid.*NoSuchDecoder/);
  // Optional components and added_tokens may be left out altogether.
  const minimal = { model: tinyTokenizerJson()['model'] };
  assert.equal(BpeTokenizer.fromJSON(minimal, 'minimal').encode('the').length, 1);
});

test('fromFile reads a tokenizer.json and names the file in errors', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const good = join(dir, 'tokenizer.json');
    await writeFile(good, JSON.stringify(tinyTokenizerJson()));
    const loaded = await BpeTokenizer.fromFile(good);
    assert.deepEqual(loaded.encode('the 12'), tok.encode('the 12'));
    assert.equal(loaded.source, good);

    const missing = join(dir, 'nope.json');
    await assert.rejects(BpeTokenizer.fromFile(missing), (e: Error) => e.message.includes(missing) && /not found/.test(e.message));
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ "model": ');
    await assert.rejects(BpeTokenizer.fromFile(broken), (e: Error) => e.message.includes(broken) && /not valid JSON/.test(e.message));
  } finally {
    await cleanup();
  }
});
