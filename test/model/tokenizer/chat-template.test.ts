import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpeTokenizer } from '../../../src/model/tokenizer/bpe-tokenizer.js';
import { CharTokenizer } from '../../../src/model/tokenizer/char-tokenizer.js';
import { type ChatMessage, encodeChat, formatHuginnChat } from '../../../src/model/tokenizer/chat-template.js';
import { tinyTokenizerJson } from './fixtures.js';

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'What is 12 + 30?' },
];

const expected =
  '<|begin_text|>' +
  '<|begin_header|>system<|end_header|>\n\nYou are a helpful assistant.<|end_turn|>' +
  '<|begin_header|>user<|end_header|>\n\nWhat is 12 + 30?<|end_turn|>' +
  '<|begin_header|>Huginn<|end_header|>\n\n';

test('formats a system + user conversation exactly', () => {
  assert.equal(formatHuginnChat(conversation), expected);
  assert.equal(formatHuginnChat(conversation, { addGenerationPrompt: true }), expected);
});

test('message content is trimmed, as the released template does', () => {
  assert.equal(
    formatHuginnChat([{ role: 'user', content: '  hi there \n' }], { addGenerationPrompt: false }),
    '<|begin_text|><|begin_header|>user<|end_header|>\n\nhi there<|end_turn|>',
  );
});

test('generation prompt can be left out; "assistant" is spelled Huginn', () => {
  const text = formatHuginnChat(
    [...conversation, { role: 'assistant', content: '42' }],
    { addGenerationPrompt: false },
  );
  assert.ok(text.endsWith('<|begin_header|>Huginn<|end_header|>\n\n42<|end_turn|>'));
  assert.equal(text.split('<|begin_text|>').length, 2);
  assert.equal(formatHuginnChat([], { addGenerationPrompt: false }), '<|begin_text|>');
  assert.throws(() => formatHuginnChat([{ role: '', content: 'x' }]), /chat message 0 has no role/);
});

test('encodes with the BPE tokenizer: one BOS first, generation header and "\\n\\n" last', () => {
  const tok = BpeTokenizer.fromJSON(tinyTokenizerJson(), 'tiny');
  const ids = encodeChat(tok, conversation);
  const bos = tok.specialTokens.bos!;
  assert.equal(ids[0], bos);
  assert.equal(ids.filter((id) => id === bos).length, 1);
  const tail = [
    tok.tokenToId('<|begin_header|>')!,
    ...tok.encode('Huginn'),
    tok.tokenToId('<|end_header|>')!,
    ...tok.encode('\n\n'),
  ];
  assert.deepEqual(ids.slice(-tail.length), tail);
  assert.deepEqual(tok.encode('\n\n').map((id) => tok.idToToken(id)), ['Ċ', 'Ċ']);
  assert.equal(ids.filter((id) => id === tok.tokenToId('<|end_turn|>')).length, 2);
  assert.equal(tok.decode(ids), expected);
});

test('encodes with a char tokenizer, and says which chat tokens a tokenizer lacks', () => {
  const tok = CharTokenizer.fromCharacters(formatHuginnChat(conversation).replace(/<\|[a-z_]+\|>/g, ''));
  const ids = encodeChat(tok, conversation);
  assert.equal(ids[0], tok.specialTokens.bos);
  assert.equal(tok.decode(ids), expected);

  const bare = CharTokenizer.fromCharacters('abc', ['<|begin_text|>', '<|end_text|>']);
  assert.throws(
    () => encodeChat(bare, [{ role: 'user', content: 'abc' }]),
    /no <\|begin_header\|>, <\|end_header\|>, <\|end_turn\|> token/,
  );
});
