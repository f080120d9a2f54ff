/**
 * Character tokenizer for small models trained from scratch: the vocabulary is an explicit list of
 * special tokens followed by single characters (Unicode code points), stored in a small JSON format
 * of our own: `{ "type": "char", "version": 1, "tokens": [...] }`.
 */
import {
  type DecodeOptions,
  type EncodeOptions,
  HUGINN_SPECIAL_TOKENS,
  type SpecialTokenIds,
  type Tokenizer,
  huginnSpecialTokenIds,
  isJsonObject,
  readJsonFile,
} from './tokenizer.js';

/** The special tokens a char vocabulary gets by default, in id order (so `<|pad|>` is id 0). */
export const DEFAULT_CHAR_SPECIAL_TOKENS: readonly string[] = [
  HUGINN_SPECIAL_TOKENS.pad,
  HUGINN_SPECIAL_TOKENS.beginText,
  HUGINN_SPECIAL_TOKENS.endText,
  HUGINN_SPECIAL_TOKENS.endTurn,
  HUGINN_SPECIAL_TOKENS.beginHeader,
  HUGINN_SPECIAL_TOKENS.endHeader,
];

export interface CharTokenizerJSON {
  type: 'char';
  version: 1;
  tokens: string[];
}

const CHAR_FORMAT_VERSION = 1;
/** How many vocabulary characters an unknown-character error shows before eliding the rest. */
const ERROR_VOCAB_PREVIEW = 80;

export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;
  readonly vocabSize: number;
  readonly specialTokens: SpecialTokenIds;
  private readonly tokens: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;
  /** Multi-character tokens, longest first, so a longer special wins over a prefix of it. */
  private readonly specialsLongestFirst: readonly string[];
  private readonly specialIds: ReadonlySet<number>;

  /**
   * `tokens[i]` is the token with id i. A token of one code point is a character; any longer
   * token is a special token, matched in the text before single characters.
   */
  constructor(
    tokens: readonly string[],
    /** Where the vocabulary came from (a path or a caller-chosen name), for error messages. */
    readonly source = 'char tokenizer',
  ) {
    const ids = new Map<string, number>();
    tokens.forEach((token, id) => {
      if (typeof token !== 'string' || token.length === 0) {
        throw new Error(`${source}: token ${id} must be a non-empty string, got ${JSON.stringify(token)}`);
      }
      const previous = ids.get(token);
      if (previous !== undefined) {
        throw new Error(`${source}: token ${JSON.stringify(token)} appears twice (ids ${previous} and ${id})`);
      }
      ids.set(token, id);
    });
    this.tokens = [...tokens];
    this.ids = ids;
    this.vocabSize = tokens.length;
    this.specialsLongestFirst = tokens.filter((t) => !isSingleCodePoint(t)).sort((a, b) => b.length - a.length);
    this.specialIds = new Set(this.specialsLongestFirst.map((t) => ids.get(t)!));
    this.specialTokens = huginnSpecialTokenIds((name) => ids.get(name));
  }

  /**
   * A vocabulary of `specials` (default: all Huginn specials) followed by the distinct characters
   * of `chars` in order of first appearance. Pass the training text itself, or a sorted alphabet
   * for a vocabulary that does not depend on the text's order.
   */
  static fromCharacters(chars: string, specials: readonly string[] = DEFAULT_CHAR_SPECIAL_TOKENS): CharTokenizer {
    for (const s of specials) {
      if (isSingleCodePoint(s)) {
        throw new Error(`special token ${JSON.stringify(s)} must be longer than one character`);
      }
    }
    const distinct = [...new Set(Array.from(chars))];
    return new CharTokenizer([...specials, ...distinct], 'CharTokenizer.fromCharacters');
  }

  /** Parses our JSON format; `sourceName` names the origin in error messages. */
  static fromJSON(obj: unknown, sourceName: string): CharTokenizer {
    if (!isJsonObject(obj) || obj['type'] !== 'char') {
      throw new Error(`${sourceName}: not a char tokenizer (expected an object with "type": "char")`);
    }
    if (obj['version'] !== CHAR_FORMAT_VERSION) {
      throw new Error(
        `${sourceName}: unsupported char tokenizer version ${JSON.stringify(obj['version'])} (supported: ${CHAR_FORMAT_VERSION})`,
      );
    }
    const tokens = obj['tokens'];
    if (!Array.isArray(tokens) || !tokens.every((t): t is string => typeof t === 'string')) {
      throw new Error(`${sourceName}: "tokens" must be an array of strings`);
    }
    return new CharTokenizer(tokens, sourceName);
  }

  /** Reads a char tokenizer JSON file; errors name the file. */
  static async fromFile(path: string): Promise<CharTokenizer> {
    return CharTokenizer.fromJSON(await readJsonFile(path, 'char tokenizer'), path);
  }

  toJSON(): CharTokenizerJSON {
    return { type: 'char', version: CHAR_FORMAT_VERSION, tokens: [...this.tokens] };
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const out: number[] = [];
    const bos = this.specialTokens.bos;
    if ((opts.addSpecialTokens ?? false) && bos !== undefined) out.push(bos);
    let pos = 0;
    outer: while (pos < text.length) {
      for (const special of this.specialsLongestFirst) {
        if (text.startsWith(special, pos)) {
          out.push(this.ids.get(special)!);
          pos += special.length;
          continue outer;
        }
      }
      const char = String.fromCodePoint(text.codePointAt(pos)!);
      const id = this.ids.get(char);
      if (id === undefined) throw new Error(this.unknownCharacterMessage(char, pos));
      out.push(id);
      pos += char.length;
    }
    return out;
  }

  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    const skip = opts.skipSpecialTokens ?? false;
    let text = '';
    ids.forEach((id, i) => {
      const token = this.idToToken(id);
      if (token === undefined) {
        throw new Error(
          `${this.source}: cannot decode token id ${id} at index ${i}: not in the vocabulary (size ${this.vocabSize})`,
        );
      }
      if (!(skip && this.specialIds.has(id))) text += token;
    });
    return text;
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 && id < this.tokens.length ? this.tokens[id] : undefined;
  }

  private unknownCharacterMessage(char: string, pos: number): string {
    const codePoint = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const chars = this.tokens.filter(isSingleCodePoint);
    const alphabet = chars.join('');
    const preview =
      chars.length <= ERROR_VOCAB_PREVIEW ? alphabet : `${chars.slice(0, ERROR_VOCAB_PREVIEW).join('')}...`;
    return (
      `${this.source}: unknown character ${JSON.stringify(char)} (${codePoint}) at position ${pos} of the text; ` +
      `the vocabulary has ${chars.length} characters: ${JSON.stringify(preview)}. ` +
      `Remove or replace it, or build a vocabulary that covers the text with CharTokenizer.fromCharacters(text).`
    );
  }
}

function isSingleCodePoint(s: string): boolean {
  return s.length > 0 && String.fromCodePoint(s.codePointAt(0)!).length === s.length;
}
