/** Parsing of `lto` command-line option values shared by the commands. */
import { checkTestTimeNoise, type NoiseSchedule, type TestTimeNoise } from '../model/test-time-noise.js';
import { DOMAINS, isDomain, type Domain } from '../tasks/task.js';
import { GenerationPool } from '../model/generation-pool.js';
import { initBackend } from '../tensor/backend.js';
import type { Decoding } from '../model/sampling.js';
import type { HuginnConfig } from '../model/config.js';

/** A mistake in the command line: reported with the usage text. */
export class UsageError extends Error {}

/** A numeric option, or undefined when absent. */
export function numberOption(value: string | undefined, name: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} expects ${integer ? 'an integer' : 'a number'}, got "${value}"`);
  return n;
}

/**
 * Test-time noise from --noise (scale) and --noise-type (schedule), each defaulting to the
 * model config's; undefined when neither is given (the model then uses its config).
 */
export function noiseOption(scale: string | undefined, schedule: string | undefined, configured: TestTimeNoise): TestTimeNoise | undefined {
  if (scale === undefined && schedule === undefined) return undefined;
  return checkTestTimeNoise(
    { scale: numberOption(scale, 'noise', false) ?? configured.scale, schedule: (schedule ?? configured.schedule) as NoiseSchedule },
    '--noise/--noise-type',
  );
}

/** How a run thinks: recurrence steps, initial-state scale and test-time noise. */
export interface ThinkingSettings {
  readonly steps: number;
  readonly initScale: number;
  readonly noise: TestTimeNoise;
}

/**
 * --steps, --init-scale and --noise / --noise-type, each defaulting to the model config's test-time
 * value, so that every command runs the model as its config says unless told otherwise.
 */
export function thinkingSettings(
  given: { readonly steps?: number | undefined; readonly initScale?: number | undefined; readonly noise?: string | undefined; readonly noiseType?: string | undefined },
  config: Pick<HuginnConfig, 'testTimeSteps' | 'testTimeInitScale' | 'testTimeNoise'>,
): ThinkingSettings {
  if (given.steps !== undefined && !(Number.isSafeInteger(given.steps) && given.steps >= 1)) throw new UsageError(`--steps must be a positive integer, got ${given.steps}`);
  if (given.initScale !== undefined && !(given.initScale >= 0 && Number.isFinite(given.initScale))) throw new UsageError(`--init-scale must be a finite number >= 0, got ${given.initScale}`);
  return {
    steps: given.steps ?? config.testTimeSteps,
    initScale: given.initScale ?? config.testTimeInitScale,
    noise: noiseOption(given.noise, given.noiseType, config.testTimeNoise) ?? config.testTimeNoise,
  };
}

/** --temperature: sampled decoding at that temperature; greedy when absent. */
export function decodingOption(temperature: number | undefined): Decoding {
  if (temperature === undefined) return 'greedy';
  if (!(temperature > 0)) throw new UsageError(`--temperature must be a positive number, got ${temperature}`);
  return { temperature };
}

/**
 * --workers: worker threads for generation (default 1 = in the main thread). On the wasm backend,
 * which is single-threaded in Node, one worker per core is best (2 on a 2-core machine).
 */
export function workersOption(value: number | undefined): number {
  const n = value ?? 1;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--workers must be a positive integer, got ${n}`);
  return n;
}

/**
 * A GenerationPool of `workers` threads on the model folder `dir`, on the main thread's backend
 * (so that results equal the in-process ones), or undefined for 1 worker (generation in-process).
 */
export async function openGenerationPool(dir: string, workers: number, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<GenerationPool | undefined> {
  if (workers === 1) return undefined;
  const backend = await initBackend();
  const pool = await GenerationPool.open(dir, { workers, backend: backend.name });
  log(`generation: ${workers} worker threads (${pool.backend})`);
  return pool;
}

/** --split (default test) and --domain (default every domain), checked. */
export function splitAndDomains(split: string | undefined, domain: string | undefined): { split: 'train' | 'validation' | 'test'; domains: Domain[] } {
  const chosen = split ?? 'test';
  if (chosen !== 'train' && chosen !== 'validation' && chosen !== 'test') throw new Error(`--split must be train, validation or test, got "${chosen}"`);
  if (domain !== undefined && !isDomain(domain)) throw new Error(`--domain must be one of ${DOMAINS.join(', ')}, got "${domain}"`);
  return { split: chosen, domains: domain !== undefined ? [domain] : [...DOMAINS] };
}
