/**
 * Byte-level BPE tokenizer (the Huginn tokenizer) on top of `@huggingface/tokenizers`, which reads
 * a Hugging Face `tokenizer.json` and does the normalization, pre-tokenization, merges and
 * decoding exactly as described there.
 */
import type { Tokenizer as HfTokenizer } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import {
  type DecodeOptions,
  type EncodeOptions,
  type SpecialTokenIds,
  type Tokenizer,
  huginnSpecialTokenIds,
  isJsonObject,
  readJsonFile,
} from './tokenizer.js';

// The package declares itself an ES module, so TypeScript refuses a static `import` of it from our
// CommonJS output. It does ship a CommonJS build (its "require" export condition), which plain
// `require` picks up synchronously; the types come from the type-only import above.
type HfModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
const hf = require('@huggingface/tokenizers') as HfModule;

/** Top-level keys the library's constructor insists on; a missing one means "none". */
const OPTIONAL_COMPONENTS = ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const;

/**
 * Options passed to the library in place of a `tokenizer_config.json`. Tokenization-space cleanup
 * (which turns " ." into "." when decoding, a transformers-era heuristic the library enables by
 * default) is switched off: a byte-level tokenizer already decodes to the exact original text.
 */
const LIBRARY_CONFIG = { clean_up_tokenization_spaces: false };

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  readonly vocabSize: number;
  readonly specialTokens: SpecialTokenIds;

  private constructor(
    private readonly inner: HfTokenizer,
    /** Where the tokenizer came from (a path or a caller-chosen name), for error messages. */
    readonly source: string,
  ) {
    // The model's id-to-token table (an array indexed by id) also receives the added tokens, so its
    // length is the largest id + 1 even when the added tokens sit past the regular vocabulary.
    this.vocabSize = inner.model?.vocab.length ?? 0;
    // Look the roles up among the added tokens only: a regular vocabulary entry that happens to be
    // spelled like a special token would not be treated as one by the encoder.
    const added = new Map<string, number>();
    for (const [id, token] of inner.get_added_tokens_decoder()) added.set(token.content, id);
    this.specialTokens = huginnSpecialTokenIds((name) => added.get(name));
  }

  /** Reads a Hugging Face `tokenizer.json`; errors name the file. */
  static async fromFile(path: string): Promise<BpeTokenizer> {
    return BpeTokenizer.fromJSON(await readJsonFile(path, 'tokenizer'), path);
  }

  /**
   * Builds the tokenizer from a parsed `tokenizer.json` object. `sourceName` (a path or any label)
   * is used in error messages. Only BPE models are accepted.
   */
  static fromJSON(obj: unknown, sourceName: string): BpeTokenizer {
    if (!isJsonObject(obj)) throw new Error(`${sourceName}: a tokenizer.json must hold a JSON object`);
    const model = obj['model'];
    if (!isJsonObject(model)) {
      throw new Error(`${sourceName}: not a Hugging Face tokenizer.json (no "model" object)`);
    }
    if (model['type'] !== 'BPE') {
      throw new Error(
        `${sourceName}: unsupported tokenizer model type ${JSON.stringify(model['type'])}; only "BPE" is supported`,
      );
    }
    if (!isJsonObject(model['vocab']) || !Array.isArray(model['merges'])) {
      throw new Error(`${sourceName}: BPE model needs a "vocab" object and a "merges" array`);
    }
    if (obj['added_tokens'] !== undefined && !Array.isArray(obj['added_tokens'])) {
      throw new Error(`${sourceName}: "added_tokens" must be an array`);
    }
    // Fill in what the library requires to be present but files written by hand may leave out.
    const normalized: Record<string, unknown> = { ...obj, added_tokens: obj['added_tokens'] ?? [] };
    for (const key of OPTIONAL_COMPONENTS) normalized[key] = obj[key] ?? null;
    let inner: HfTokenizer;
    try {
      inner = new hf.Tokenizer(normalized, LIBRARY_CONFIG);
    } catch (e) {
      throw new Error(`${sourceName}: unsupported or invalid tokenizer.json: ${(e as Error).message}`);
    }
    return new BpeTokenizer(inner, sourceName);
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const addSpecialTokens = opts.addSpecialTokens ?? false;
    // With add_special_tokens the file's own post-processor runs (e.g. a template adding BOS).
    const ids = this.inner.encode(text, { add_special_tokens: addSpecialTokens }).ids;
    const bos = this.specialTokens.bos;
    // Huginn's file may not carry a BOS-adding post-processor; make "special tokens" mean at least
    // a leading BOS either way, and never two.
    if (addSpecialTokens && bos !== undefined && ids[0] !== bos) ids.unshift(bos);
    return ids;
  }

  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    // The library throws on an empty list and turns unknown ids into nothing; we want "" for the
    // former and a clear error for the latter (a silently shortened text hides bugs).
    if (ids.length === 0) return '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || this.inner.id_to_token(id) === undefined) {
        throw new Error(
          `${this.source}: cannot decode token id ${id} at index ${i}: not in the vocabulary (size ${this.vocabSize})`,
        );
      }
    }
    return this.inner.decode([...ids], { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  tokenToId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) ? this.inner.id_to_token(id) : undefined;
  }
}
