/**
 * The manifest of a saved trajectory set: where the runs came from (model, tasks, sampling
 * settings, library version) and what the files must contain. Loading checks the tensors and the
 * table against it, so a table from one run can never be silently paired with another's tensors.
 */
import type { TestTimeNoise } from '../model/test-time-noise.js';
import type { Pooling } from './pooling.js';
import type { Decoding } from '../model/sampling.js';

export const MANIFEST_FORMAT = 'latent-thinking.trajectory-set';
export const MANIFEST_VERSION = 1;

export interface SamplingSettings {
  /** Runs per question (null for imported sets with varying counts). */
  readonly runs_per_question: number | null;
  /** Recurrence steps T (trajectories hold T + 1 states). */
  readonly steps: number;
  readonly seed: number | string | null;
  readonly init_scale: number | null;
  readonly noise: TestTimeNoise | null;
  /** How token latents were pooled, or 'imported' when unknown. */
  readonly pooling: Pooling | 'imported';
  readonly max_new_tokens: number | null;
  /** Names of the recorded states when not latent.0 .. latent.T (per-layer trajectories); null otherwise. */
  readonly record?: readonly string[] | null;
  /** Token choice: 'greedy' or the sampling options (absent in sets sampled greedily before it was recorded). */
  readonly decoding?: Decoding | null;
}

export interface TrajectoryManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: typeof MANIFEST_VERSION;
  readonly library_version: string;
  /** The model folder and a fingerprint of its files, or null when imported without one. */
  readonly model: { readonly source: string; readonly fingerprint: string } | null;
  readonly tasks: { readonly split: string | null; readonly domains: readonly string[]; readonly questions: number };
  readonly sampling: SamplingSettings;
  readonly n_runs: number;
  /** States per trajectory (T + 1). */
  readonly states: number;
  readonly width: number;
  /** Whether the unpooled per-token latents are stored too. */
  readonly token_latents: boolean;
  readonly files: { readonly tensors: string; readonly table: string };
  /** sha256 of the table file as written. */
  readonly table_sha256: string;
  readonly created: string;
}

function fail(where: string, message: string): never {
  throw new Error(`${where}: ${message}`);
}

/** Validates a parsed manifest.json. */
export function checkManifest(value: unknown, where: string): TrajectoryManifest {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(where, 'expected a JSON object');
  const m = value as Record<string, unknown>;
  if (m['format'] !== MANIFEST_FORMAT) fail(where, `"format" must be "${MANIFEST_FORMAT}", got ${JSON.stringify(m['format'])} (not a trajectory set manifest)`);
  if (m['version'] !== MANIFEST_VERSION) fail(where, `unsupported version ${JSON.stringify(m['version'])} (this library reads version ${MANIFEST_VERSION})`);
  for (const key of ['n_runs', 'states', 'width'] as const) {
    const v = m[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (key === 'n_runs' ? 0 : 1)) fail(where, `"${key}" must be a ${key === 'n_runs' ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(v)}`);
  }
  const files = m['files'] as Record<string, unknown> | undefined;
  if (!files || typeof files['tensors'] !== 'string' || typeof files['table'] !== 'string') fail(where, '"files" must name the tensors and table files');
  for (const name of [files['tensors'], files['table']] as string[]) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) fail(where, `file name ${JSON.stringify(name)} must be a plain name inside the set's folder`);
  }
  if (typeof m['table_sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(m['table_sha256'])) fail(where, '"table_sha256" must be a sha256 hex digest');
  if (typeof m['token_latents'] !== 'boolean') fail(where, '"token_latents" must be a boolean');
  const sampling = m['sampling'] as Record<string, unknown> | undefined;
  if (!sampling || typeof sampling !== 'object') fail(where, '"sampling" must be an object');
  const record = sampling['record'];
  if (record !== undefined && record !== null) {
    if (!Array.isArray(record) || !record.every((n) => typeof n === 'string')) fail(where, '"sampling.record" must be null or an array of state names');
    if (record.length !== m['states']) fail(where, `"sampling.record" names ${record.length} states, "states" is ${JSON.stringify(m['states'])}`);
  } else if (sampling['steps'] !== null && sampling['steps'] !== (m['states'] as number) - 1) {
    fail(where, `"sampling.steps" (${JSON.stringify(sampling['steps'])}) must be states - 1 = ${(m['states'] as number) - 1}`);
  }
  const tasks = m['tasks'] as Record<string, unknown> | undefined;
  if (!tasks || !Array.isArray(tasks['domains'])) fail(where, '"tasks.domains" must be an array');
  return value as TrajectoryManifest;
}
