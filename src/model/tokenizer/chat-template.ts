/**
 * The Huginn chat format:
 *
 *   <|begin_text|>
 *   <|begin_header|>ROLE<|end_header|>\n\n CONTENT <|end_turn|>     (per message, content trimmed)
 *   <|begin_header|>Huginn<|end_header|>\n\n                        (generation prompt)
 *
 * The model answers after the generation prompt and stops at `<|end_turn|>` or `<|end_text|>`
 * (the tokenizer's `specialTokens.eos`).
 */
import { HUGINN_SPECIAL_TOKENS, type Tokenizer } from './tokenizer.js';

export interface ChatMessage {
  /** `system`, `user`, `Huginn` (the assistant; `assistant` is accepted as a synonym) or any other role. */
  role: 'system' | 'user' | 'Huginn' | string;
  content: string;
}

export interface ChatFormatOptions {
  /** End with the header that opens the assistant's turn, ready for generation. Default true. */
  addGenerationPrompt?: boolean;
}

/** The name the Huginn chat format gives the assistant. */
export const HUGINN_ASSISTANT_ROLE = 'Huginn';

const { beginText, beginHeader, endHeader, endTurn } = HUGINN_SPECIAL_TOKENS;

function header(role: string): string {
  return `${beginHeader}${role}${endHeader}\n\n`;
}

/** Formats a conversation as Huginn chat text (BOS included once, at the start). */
export function formatHuginnChat(messages: readonly ChatMessage[], opts: ChatFormatOptions = {}): string {
  let text = beginText;
  for (const [i, message] of messages.entries()) {
    if (typeof message.role !== 'string' || message.role.length === 0) {
      throw new Error(`chat message ${i} has no role`);
    }
    if (typeof message.content !== 'string') throw new Error(`chat message ${i} has no text content`);
    // Chat data from OpenAI-style sources calls the assistant "assistant"; Huginn was trained on "Huginn".
    const role = message.role === 'assistant' ? HUGINN_ASSISTANT_ROLE : message.role;
    // The released template applies Jinja's `trim` to every message's content.
    text += header(role) + message.content.trim() + endTurn;
  }
  if (opts.addGenerationPrompt ?? true) text += header(HUGINN_ASSISTANT_ROLE);
  return text;
}

/**
 * Formats and encodes a conversation. The formatted text carries its own BOS, so it is encoded
 * without adding special tokens (BOS appears exactly once).
 */
export function encodeChat(
  tokenizer: Tokenizer,
  messages: readonly ChatMessage[],
  opts: ChatFormatOptions = {},
): number[] {
  // Without these tokens the markers would be spelled out character by character (BPE) or fail as
  // unknown characters (char), so say plainly what is missing instead.
  const missing = [beginText, beginHeader, endHeader, endTurn].filter((t) => tokenizer.tokenToId(t) === undefined);
  if (missing.length > 0) {
    throw new Error(`tokenizer cannot encode the Huginn chat format: it has no ${missing.join(', ')} token(s)`);
  }
  return tokenizer.encode(formatHuginnChat(messages, opts), { addSpecialTokens: false });
}
