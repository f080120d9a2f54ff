/**
 * A small but real byte-level BPE tokenizer.json in the Hugging Face format, shaped like Huginn's:
 * 256 byte-level symbols, a few merges, digits split one by one, and the Huginn special tokens
 * added after the regular vocabulary.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * GPT-2's byte-to-symbol table: printable bytes stand for themselves, the others are shifted to
 * code points from U+0100 up (so space is "Ġ", newline "Ċ").
 */
export function byteLevelSymbols(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const symbols = new Array<string>(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    symbols[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + shifted++);
  }
  return symbols;
}

/** Merges in rank order: "Ġ t" before "t h", so " the" becomes "Ġthe" and "the" becomes "the". */
export const MERGES: ReadonlyArray<readonly [string, string]> = [
  ['Ġ', 't'],
  ['t', 'h'],
  ['Ġt', 'h'],
  ['th', 'e'],
  ['Ġth', 'e'],
  ['i', 'n'],
  ['in', 'n'],
];

/** Special tokens in Huginn's id order (65504 ... 65509 in the real tokenizer). */
export const SPECIALS = [
  '<|begin_text|>',
  '<|end_text|>',
  '<|begin_header|>',
  '<|end_header|>',
  '<|end_turn|>',
  '<|pad|>',
] as const;

export interface TinyTokenizerOptions {
  /** Id of the first special token; default: right after the regular vocabulary. */
  specialBaseId?: number;
  /** Write merges as legacy "a b" strings instead of [a, b] pairs. */
  legacyMerges?: boolean;
  /** Leave the special tokens out entirely. */
  withoutSpecials?: boolean;
  postProcessor?: unknown;
}

export function tinyTokenizerJson(opts: TinyTokenizerOptions = {}): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  byteLevelSymbols().forEach((symbol, byte) => {
    vocab[symbol] = byte;
  });
  for (const [a, b] of MERGES) vocab[a + b] = Object.keys(vocab).length;
  const regularSize = Object.keys(vocab).length;
  const specialBase = opts.specialBaseId ?? regularSize;
  const addedTokens = opts.withoutSpecials
    ? []
    : SPECIALS.map((content, i) => ({
        id: specialBase + i,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Digits', individual_digits: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: opts.postProcessor ?? null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: MERGES.map(([a, b]) => (opts.legacyMerges ? `${a} ${b}` : [a, b])),
    },
  };
}

/** Number of regular (non-added) entries in the tiny vocabulary. */
export const REGULAR_VOCAB_SIZE = 256 + MERGES.length;

/** A fresh temporary directory and a function removing it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-tokenizer-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
