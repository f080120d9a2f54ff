import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The workplace's shared/ folder (fixtures, docs), which sits beside the repository: from the
 * compiled dist/test/helpers/ that is four levels up. LATENT_THINKING_SHARED overrides the
 * location. Returns undefined when it is absent, so tests that need it can skip.
 */
export function sharedDir(): string | undefined {
  const dir = process.env['LATENT_THINKING_SHARED'] ?? resolve(__dirname, '../../../../shared');
  return existsSync(resolve(dir, 'fixtures')) ? dir : undefined;
}
