export type { DecodeOptions, EncodeOptions, SpecialTokenIds, Tokenizer } from './tokenizer.js';
export { HUGINN_SPECIAL_TOKENS, huginnSpecialTokenIds } from './tokenizer.js';
export { BpeTokenizer } from './bpe-tokenizer.js';
export { CharTokenizer, DEFAULT_CHAR_SPECIAL_TOKENS, type CharTokenizerJSON } from './char-tokenizer.js';
export {
  type ChatFormatOptions,
  type ChatMessage,
  HUGINN_ASSISTANT_ROLE,
  encodeChat,
  formatHuginnChat,
} from './chat-template.js';
export { TOKENIZER_FILE_NAMES, loadTokenizer, loadTokenizerFile } from './load-tokenizer.js';
