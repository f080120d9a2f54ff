/**
 * Finds and loads a tokenizer from a model directory or a tokenizer file, choosing the kind from
 * the file's content.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { CharTokenizer } from './char-tokenizer.js';
import { type Tokenizer, isJsonObject, readJsonFile } from './tokenizer.js';

/** File names looked for in a directory, in order of preference. */
export const TOKENIZER_FILE_NAMES = ['tokenizer.json', 'char-tokenizer.json'] as const;

/**
 * Loads a tokenizer from `dirOrFile`:
 * - a directory: its `tokenizer.json` (Hugging Face BPE, or our char format if it says
 *   `"type": "char"`), else its `char-tokenizer.json`;
 * - a file: read as either format, by content.
 */
export async function loadTokenizer(dirOrFile: string): Promise<Tokenizer> {
  const kind = await pathKind(dirOrFile);
  if (kind === 'missing') throw new Error(`tokenizer not found: ${dirOrFile} does not exist`);
  if (kind === 'file') return loadTokenizerFile(dirOrFile);
  const looked: string[] = [];
  for (const name of TOKENIZER_FILE_NAMES) {
    const path = join(dirOrFile, name);
    looked.push(path);
    if ((await pathKind(path)) === 'file') return loadTokenizerFile(path);
  }
  throw new Error(`no tokenizer in directory ${dirOrFile}: looked for ${looked.join(' and ')}`);
}

/** Loads one tokenizer file, deciding between our char format and a Hugging Face tokenizer.json. */
export async function loadTokenizerFile(path: string): Promise<Tokenizer> {
  const obj = await readJsonFile(path, 'tokenizer');
  if (isJsonObject(obj) && obj['type'] === 'char') return CharTokenizer.fromJSON(obj, path);
  if (isJsonObject(obj) && 'model' in obj) return BpeTokenizer.fromJSON(obj, path);
  throw new Error(
    `${path}: not a recognised tokenizer file (expected a Hugging Face tokenizer.json with a "model", ` +
      `or a char tokenizer with "type": "char")`,
  );
}

async function pathKind(path: string): Promise<'file' | 'directory' | 'missing'> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'directory' : 'file';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new Error(`cannot access ${path}: ${(e as Error).message}`);
  }
}
