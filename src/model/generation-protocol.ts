/**
 * Messages between a GenerationPool (generation-pool.ts) and its workers (generation-worker.ts).
 * Everything here is structured-cloneable; the sequences' latent arrays travel in transfer lists
 * (moved, not copied).
 */
import type { GenerateOptions, GeneratedSequence } from './generate.js';

/** The options of a pooled `generate` call: GenerateOptions without the (uncloneable) callback. */
export type PoolGenerateOptions = Omit<GenerateOptions, 'onToken'>;

/** One whole `generate` call, run by one worker. */
export interface GenerateRequest {
  readonly prompts: readonly (readonly number[])[];
  readonly options: PoolGenerateOptions;
}

/** A worker's reply to a GenerateRequest: the GenerationResult's fields. */
export interface GenerateReply {
  readonly type: 'result';
  readonly id: number;
  readonly sequences: readonly GeneratedSequence[];
  readonly steps: number;
  readonly hiddenSize: number;
  readonly recorded: readonly string[];
}

/**
 * The request's options copied field by field: a caller's object may carry extra properties
 * (e.g. an `onToken` function after a spread) that cannot be sent to a worker.
 */
export function cloneableOptions(o: PoolGenerateOptions): PoolGenerateOptions {
  const out: { -readonly [K in keyof PoolGenerateOptions]: PoolGenerateOptions[K] } = { maxNewTokens: o.maxNewTokens };
  if (o.steps !== undefined) out.steps = o.steps;
  if (o.runs !== undefined) out.runs = o.runs;
  if (o.seed !== undefined) out.seed = o.seed;
  if (o.rowSeeds !== undefined) out.rowSeeds = [...o.rowSeeds];
  if (o.initScale !== undefined) out.initScale = o.initScale;
  if (o.noise !== undefined) out.noise = { scale: o.noise.scale, schedule: o.noise.schedule };
  if (o.decoding !== undefined) out.decoding = o.decoding === 'greedy' ? 'greedy' : { ...o.decoding };
  if (o.stopTokens !== undefined) out.stopTokens = [...o.stopTokens];
  if (o.padToken !== undefined) out.padToken = o.padToken;
  if (o.recordLatents !== undefined) out.recordLatents = o.recordLatents;
  if (o.recordNames !== undefined) out.recordNames = [...o.recordNames];
  if (o.earlyExit !== undefined) out.earlyExit = { ...o.earlyExit };
  return out;
}
