/**
 * The embedded default model: a small recurrent-depth model trained on the task suite, shipped
 * in `datasets/model` (config.json, model.safetensors, char-tokenizer.json).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RecurrentDepthModel } from './recurrent-depth-model.js';
import { loadTokenizer } from './tokenizer/load-tokenizer.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';

/** Folder of the embedded model (from dist/src/model or src/model alike: three levels up). */
export const DEFAULT_MODEL_DIR = resolve(__dirname, '..', '..', '..', 'datasets', 'model');

export interface LoadedModel {
  readonly model: RecurrentDepthModel;
  readonly tokenizer: Tokenizer;
  readonly dir: string;
}

/** The embedded model folders: what each is called and the command that trains it. */
function embeddedModel(dir: string): { name: string; train: string } | undefined {
  if (dir === DEFAULT_MODEL_DIR) return { name: 'default', train: `lto train --out ${dir}` };
  if (dir === STANDARD_MODEL_DIR) return { name: 'standard', train: `lto train --standard --out ${dir}` };
  return undefined;
}

/** Loads a model folder with its tokenizer; the default is the embedded model. */
export async function loadModelWithTokenizer(dir: string = defaultModelDir()): Promise<LoadedModel> {
  const embedded = embeddedModel(dir);
  if (embedded !== undefined && !existsSync(join(dir, 'config.json'))) {
    throw new Error(`the embedded ${embedded.name} model is not in this checkout (${dir}); train one with \`${embedded.train}\` or pass a model folder`);
  }
  const tokenizer = await loadTokenizer(dir);
  const model = await RecurrentDepthModel.load(dir);
  return { model, tokenizer, dir };
}

/**
 * The folder `loadDefaultModel` uses: $LTO_DEFAULT_MODEL when set (to run every notebook and
 * command on another checkpoint unchanged), else the embedded model.
 */
export function defaultModelDir(): string {
  const fromEnv = process.env['LTO_DEFAULT_MODEL'];
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : DEFAULT_MODEL_DIR;
}

/** The default model ($LTO_DEFAULT_MODEL, else the embedded one) and its tokenizer. */
export function loadDefaultModel(): Promise<LoadedModel> {
  return loadModelWithTokenizer(defaultModelDir());
}

/**
 * Folder of the embedded standard-transformer baseline: the same blocks and width as the default
 * model, trained on the same tasks with `lto train --standard` (blocks run once, initial state
 * zero). Its per-layer hidden states are the "latent thoughts" of the paper's general-LLM
 * experiments (`lto optimize --model datasets/model-standard --temperature X`).
 */
export const STANDARD_MODEL_DIR = resolve(__dirname, '..', '..', '..', 'datasets', 'model-standard');

/**
 * The per-layer states that make up a standard transformer's trajectory: the embedding, then the
 * output of each block (prelude, the core run once, coda).
 */
export const STANDARD_MODEL_LAYERS: readonly string[] = ['embed', 'prelude.out', 'latent.1', 'coda.out'];

/** The embedded standard-transformer baseline and its tokenizer. */
export function loadStandardModel(): Promise<LoadedModel> {
  return loadModelWithTokenizer(STANDARD_MODEL_DIR);
}
