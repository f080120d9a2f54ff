/**
 * The model the notebook tests run on: $LTO_DEFAULT_MODEL when set, else the embedded model
 * (datasets/model). When neither is there the tests fail with this message (they never skip).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = join(__dirname, '..', '..', '..');

/** The model folder, or an explanation of why there is none. */
export function notebookModel(): { dir: string; problem?: string } {
  const fromEnv = process.env['LTO_DEFAULT_MODEL'];
  const dir = fromEnv ? resolve(fromEnv) : join(REPO, 'datasets', 'model');
  if (existsSync(join(dir, 'config.json'))) return { dir };
  const problem = fromEnv
    ? `LTO_DEFAULT_MODEL=${fromEnv} has no config.json: point it at a model folder (config.json, model.safetensors, tokenizer).`
    : `The notebooks run on the embedded model, but datasets/model is not in this checkout (${dir}/config.json is missing). ` +
      'Commit the embedded model (lto train --out datasets/model), or set LTO_DEFAULT_MODEL to a model folder to run these tests on another model.';
  return { dir, problem };
}
