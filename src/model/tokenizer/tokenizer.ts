/**
 * The tokenizer interface shared by the Huginn byte-level BPE tokenizer and the small character
 * tokenizer used for toy models, plus the Huginn special-token names and a few helpers both use.
 */
import { readFile } from 'node:fs/promises';

/** Ids of the tokens with a fixed role. Absent roles are `undefined` (or an empty `eos`). */
export interface SpecialTokenIds {
  /** Start of a text (`<|begin_text|>` for Huginn). */
  bos?: number;
  /** Tokens that end generation (`<|end_turn|>`, `<|end_text|>` for Huginn), in that order. */
  eos: readonly number[];
  /** Padding (`<|pad|>` for Huginn). */
  pad?: number;
}

export interface EncodeOptions {
  /**
   * Add the tokenizer's special tokens around the text (BOS at the start). Default false: the text
   * is encoded as it is, so pieces can be concatenated and chat prompts (which carry their own
   * BOS) are not given a second one.
   */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Leave special tokens (BOS, end of turn, headers, padding, ...) out of the text. Default false. */
  skipSpecialTokens?: boolean;
}

export interface Tokenizer {
  readonly kind: 'bpe' | 'char';
  /** One more than the largest token id: the size an embedding table needs. */
  readonly vocabSize: number;
  /** Text to ids. Special tokens written in the text (e.g. `<|end_turn|>`) become their single ids. */
  encode(text: string, opts?: EncodeOptions): number[];
  /** Ids to text. Throws on an id that is not in the vocabulary rather than dropping it. */
  decode(ids: readonly number[], opts?: DecodeOptions): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  readonly specialTokens: SpecialTokenIds;
}

/** The Huginn special tokens by role; ids in the released tokenizer are noted for reference. */
export const HUGINN_SPECIAL_TOKENS = {
  beginText: '<|begin_text|>', // 65504, BOS
  endText: '<|end_text|>', // 65505
  beginHeader: '<|begin_header|>', // 65506
  endHeader: '<|end_header|>', // 65507
  endTurn: '<|end_turn|>', // 65508
  pad: '<|pad|>', // 65509
} as const;

/**
 * Resolves the special-token roles from a token-to-id lookup, by the Huginn names. Missing
 * tokens simply leave the role empty, so tokenizers without them still work for plain text.
 */
export function huginnSpecialTokenIds(lookup: (token: string) => number | undefined): SpecialTokenIds {
  const eos: number[] = [];
  for (const name of [HUGINN_SPECIAL_TOKENS.endTurn, HUGINN_SPECIAL_TOKENS.endText]) {
    const id = lookup(name);
    if (id !== undefined) eos.push(id);
  }
  const result: SpecialTokenIds = { eos };
  const bos = lookup(HUGINN_SPECIAL_TOKENS.beginText);
  const pad = lookup(HUGINN_SPECIAL_TOKENS.pad);
  if (bos !== undefined) result.bos = bos;
  if (pad !== undefined) result.pad = pad;
  return result;
}

/**
 * Reads and parses a JSON file, with errors that name the file (the bare `JSON.parse` message
 * does not say which of several tokenizer files was bad).
 */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${what} file not found: ${path}`);
    throw new Error(`cannot read ${what} file ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${what} file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
