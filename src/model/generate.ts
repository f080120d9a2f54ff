/**
 * Autoregressive generation with Huginn's per-step key/value cache (each recurrence step has its
 * own cache entries), recording for every generated token the ln_f-normalised state at every
 * step 0..T at the position that produced it. Optional per-token early exit (early-exit.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, deriveSeed, type Seed } from '../tensor/random.js';
import { InitialStateSampler } from './initial-state.js';
import { StepNoiseSampler, type TestTimeNoise } from './test-time-noise.js';
import { KvCache, type KvEntry, type KvStore } from './kv-cache.js';
import type { RecurrentDepthModel } from './recurrent-depth-model.js';
import { chooseToken, validateDecoding, type Decoding } from './sampling.js';
import { ExitTracker, needsDistributions, validateEarlyExit, type EarlyExitOptions } from './early-exit.js';
import { selectNames } from './latent-names.js';

export interface GenerateOptions {
  readonly maxNewTokens: number;
  /** Recurrence steps per token (default: the config's test_time_steps, else mean_recurrence). */
  readonly steps?: number;
  /** Runs per prompt, batched (each with its own initial states). Default 1. */
  readonly runs?: number;
  /** Seed of initial states and sampling. Default 0. */
  readonly seed?: Seed;
  /**
   * One seed per output row (prompt b, run r at index b * runs + r), overriding `seed`: lets a
   * caller fix each run's randomness independently of the batch it is computed in.
   */
  readonly rowSeeds?: readonly Seed[];
  /** Multiplier of the initial-state std (0 = deterministic). Default: the config's test_time_init_scale, else 1. */
  readonly initScale?: number;
  /** Noise mixed into the state before every recurrence step (default: the config's, usually off). */
  readonly noise?: TestTimeNoise;
  /** 'greedy' (default) or sampling options. */
  readonly decoding?: Decoding;
  /** Generation of a row stops after it emits one of these. */
  readonly stopTokens?: readonly number[];
  /** Id used to left-pad prompts of unequal length (masked out, so any valid id works). Default 0. */
  readonly padToken?: number;
  /** Record the per-step latents of every generated token (default true). */
  readonly recordLatents?: boolean;
  /**
   * What is recorded per generated token, in order (default latent.0 .. latent.T): any names
   * `forward` records, e.g. ['embed', 'prelude.out', 'latent.1', 'coda.out'] for the per-layer
   * states of a model whose blocks run once. Not with early exit (which records latents).
   */
  readonly recordNames?: readonly string[];
  readonly earlyExit?: EarlyExitOptions;
  /** Called after every generated token with the number generated so far. */
  readonly onToken?: (generated: number, maxNewTokens: number) => void;
}

export type StopReason = 'stop-token' | 'max-new-tokens';

export interface GeneratedSequence {
  /** Index of the prompt this row continues. */
  readonly prompt: number;
  /** Run index within the prompt. */
  readonly run: number;
  /** Generated ids, the stop token included when one ended the row. */
  readonly tokens: number[];
  readonly stopReason: StopReason;
  /** Steps computed for each generated token (T unless it exited early). */
  readonly stepsUsed: number[];
  /**
   * [tokens, names, h] row-major: the recorded states (by default ln_f(state_t), t = 0..T) at the
   * position that produced each token; `GenerationResult.recorded` names them.
   */
  readonly latents: Float32Array | undefined;
}

export interface GenerationResult {
  readonly sequences: GeneratedSequence[];
  readonly steps: number;
  /** Names of the states in each sequence's `latents`, in order (empty when nothing was recorded). */
  readonly recorded: readonly string[];
  readonly hiddenSize: number;
}

/** Left-pads prompts to a common length; returns ids and the 0/1 mask. */
export function leftPad(prompts: readonly (readonly number[])[], padToken: number): { ids: number[][]; mask: number[][] } {
  const length = Math.max(...prompts.map((p) => p.length));
  const ids = prompts.map((p) => [...new Array<number>(length - p.length).fill(padToken), ...p]);
  const mask = prompts.map((p) => [...new Array<number>(length - p.length).fill(0), ...new Array<number>(p.length).fill(1)]);
  return { ids, mask };
}

/**
 * `wanted` new tokens, or fewer if the block size leaves less room after the batch's longest
 * prompt (at least 1). Samplers that budget for the longest possible answer use it. In the task
 * suite the longest questions (math, up to 115 characters) have short solutions (up to 70) and the
 * longest solutions (code, up to 140) short questions, so only a batch that mixes the two is cut,
 * and then by at most 3 tokens of a 142-token budget.
 */
export function newTokensWithinBlock(wanted: number, prompts: readonly (readonly number[])[], blockSize: number): number {
  const longest = Math.max(0, ...prompts.map((p) => p.length));
  return Math.max(1, Math.min(wanted, blockSize - longest));
}

export function generate(model: RecurrentDepthModel, prompts: readonly (readonly number[])[], options: GenerateOptions): GenerationResult {
  const c = model.config;
  const h = c.nEmbd;
  if (prompts.length === 0) throw new Error('generate: no prompts');
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new Error(`generate: prompt ${i} is empty`);
  });
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 1) throw new Error(`generate: maxNewTokens must be a positive integer, got ${options.maxNewTokens}`);
  const steps = options.steps ?? c.testTimeSteps;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`generate: steps must be a positive integer, got ${steps}`);
  const runs = options.runs ?? 1;
  const decoding = options.decoding ?? 'greedy';
  validateDecoding(decoding);
  if (options.earlyExit) validateEarlyExit(options.earlyExit);
  const record = options.recordLatents ?? true;
  const stop = new Set(options.stopTokens ?? []);
  const seed = options.seed ?? 0;
  const rows = prompts.length * runs;
  const { ids, mask } = leftPad(prompts, options.padToken ?? 0);
  const promptLength = ids[0]!.length;
  if (promptLength + options.maxNewTokens > c.blockSize) {
    throw new Error(`generate: prompt (${promptLength}) + maxNewTokens (${options.maxNewTokens}) exceeds block_size ${c.blockSize}`);
  }
  const keyMask = mask.flatMap((m) => Array.from({ length: runs }, () => [...m]));
  if (options.rowSeeds !== undefined && options.rowSeeds.length !== rows) {
    throw new Error(`generate: rowSeeds has ${options.rowSeeds.length} seeds, expected one per row (${prompts.length} prompts x ${runs} runs = ${rows})`);
  }
  const rowSeeds = options.rowSeeds ?? InitialStateSampler.rowSeeds(seed, rows);
  const sampler = new InitialStateSampler(c, rowSeeds, options.initScale);
  const stepNoise = new StepNoiseSampler(c, rowSeeds, options.noise ?? c.testTimeNoise);
  const samplers = rowSeeds.map((s) => new Rng(deriveSeed(s, 'sample')));
  const cache = new KvCache();
  const latentNames = options.recordNames ? [...options.recordNames] : Array.from({ length: steps + 1 }, (_, t) => `latent.${t}`);
  if (options.recordNames) {
    if (options.recordNames.length === 0) throw new Error('generate: recordNames is empty; leave it out for the latents, or set recordLatents: false');
    if (options.earlyExit) throw new Error('generate: recordNames cannot be combined with earlyExit (early exit records latent.0 .. latent.T)');
    const names = selectNames(latentNames, steps);
    const resolved = [...names.fixed].length + names.steps.state.size + names.steps.latent.size + names.steps.logits.size;
    if (resolved !== latentNames.length || new Set(latentNames).size !== latentNames.length || latentNames.some((n) => n.includes('*') || n.startsWith('logits'))) {
      throw new Error(`generate: recordNames must be distinct exact state names (embed, prelude.out, state.t, latent.t, coda.out), got ${JSON.stringify(options.recordNames)}`);
    }
  }

  const tokens: number[][] = Array.from({ length: rows }, () => []);
  const stepsUsed: number[][] = Array.from({ length: rows }, () => []);
  const latentChunks: Float32Array[][] = Array.from({ length: rows }, () => []);
  const done = new Array<boolean>(rows).fill(false);
  const reasons = new Array<StopReason>(rows).fill('max-new-tokens');

  const take = (logits: Float32Array, latents: Float32Array | undefined, used: readonly number[]): void => {
    const v = logits.length / rows;
    for (let r = 0; r < rows; r++) {
      if (done[r]) continue;
      const token = chooseToken(logits, c.vocabSize, r * v, decoding, samplers[r]);
      tokens[r]!.push(token);
      stepsUsed[r]!.push(used[r]!);
      if (latents) latentChunks[r]!.push(latents.slice(r * latentNames.length * h, (r + 1) * latentNames.length * h));
      if (stop.has(token)) {
        done[r] = true;
        reasons[r] = 'stop-token';
      }
    }
  };

  try {
    // Prefill: the whole prompt with all steps; its last position produces the first token.
    const pre = model.forward(ids, {
      steps,
      runs,
      sampler,
      stepNoise,
      attentionMask: mask,
      cache,
      record: record ? latentNames : [],
      positions: 'last',
      logits: 'last',
    });
    try {
      take(pre.logits!.dataSync() as Float32Array, record ? readLatents(pre.records, latentNames) : undefined, new Array<number>(rows).fill(steps));
    } finally {
      pre.dispose();
    }
    options.onToken?.(1, options.maxNewTokens);

    for (let n = 1; n < options.maxNewTokens && done.some((d) => !d); n++) {
      // Finished rows keep decoding their last token (their output is ignored) so the batch stays rectangular.
      const next = tokens.map((t) => [t[t.length - 1]!]);
      keyMask.forEach((m) => m.push(1));
      if (options.earlyExit) {
        const step = decodeWithEarlyExit(model, next, { steps, sampler, stepNoise, cache, keyMask, record, earlyExit: options.earlyExit });
        take(step.logits, step.latents, step.stepsUsed);
      } else {
        const out = model.forward(next, { steps, sampler, stepNoise, attentionMask: keyMask, cache, record: record ? latentNames : [], positions: 'last', logits: 'last' });
        try {
          take(out.logits!.dataSync() as Float32Array, record ? readLatents(out.records, latentNames) : undefined, new Array<number>(rows).fill(steps));
        } finally {
          out.dispose();
        }
      }
      options.onToken?.(n + 1, options.maxNewTokens);
    }
  } finally {
    cache.dispose();
  }

  const sequences: GeneratedSequence[] = [];
  for (let r = 0; r < rows; r++) {
    sequences.push({
      prompt: Math.floor(r / runs),
      run: r % runs,
      tokens: tokens[r]!,
      stopReason: reasons[r]!,
      stepsUsed: stepsUsed[r]!,
      latents: record ? concatChunks(latentChunks[r]!) : undefined,
    });
  }
  return { sequences, steps, hiddenSize: h, recorded: record ? latentNames : [] };
}

/** Reads latent.0..T ([rows, 1, h] each) into one [rows, T+1, h] array with a single download. */
function readLatents(records: ReadonlyMap<string, tf.Tensor3D>, names: readonly string[]): Float32Array {
  return download(tf.concat(names.map((n) => records.get(n)!), 1));
}

/** Reads a tensor's values and frees it. */
function download(t: tf.Tensor): Float32Array {
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

function concatChunks(chunks: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((s, c) => s + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

interface AdaptiveStepOptions {
  readonly steps: number;
  readonly sampler: InitialStateSampler;
  readonly stepNoise: StepNoiseSampler;
  readonly cache: KvCache;
  readonly keyMask: number[][];
  readonly record: boolean;
  readonly earlyExit: EarlyExitOptions;
}

/**
 * Cache entries of rows that exited: a row that stopped at step k has no keys/values for steps
 * after k. As upstream, the latest computed entry of the same core block stands in for them.
 */
class ExitAwareStore implements KvStore {
  /** Latest new-position entry per core block index. */
  private readonly latest = new Map<number, KvEntry>();
  activeMask: tf.Tensor4D | undefined;

  constructor(private readonly base: KvCache) {}

  get(name: string): KvEntry | undefined {
    return this.base.get(name);
  }

  put(name: string, added: KvEntry, full: KvEntry): void {
    const m = /^core\.\d+\.(\d+)$/.exec(name);
    if (!m) {
      this.base.set(name, full);
      return;
    }
    const block = Number(m[1]);
    const prev = this.latest.get(block);
    const chosen: KvEntry =
      prev && this.activeMask
        ? tf.tidy(() => ({ keysT: tf.where(this.activeMask!.cast('bool'), added.keysT, prev.keysT), values: tf.where(this.activeMask!.cast('bool'), added.values, prev.values) }))
        : { keysT: added.keysT.clone(), values: added.values.clone() };
    this.setLatest(block, chosen);
    this.appendTo(name, chosen);
  }

  /** Fills the entries of a step no row computed from the latest ones. */
  fillSkipped(step: number, blocks: number): void {
    for (let j = 0; j < blocks; j++) this.appendTo(`core.${step}.${j}`, this.latest.get(j)!);
  }

  private appendTo(name: string, added: KvEntry): void {
    const past = this.base.get(name);
    const full = tf.tidy(() =>
      past ? { keysT: tf.concat([past.keysT, added.keysT], 3) as tf.Tensor4D, values: tf.concat([past.values, added.values], 2) as tf.Tensor4D } : { keysT: added.keysT.clone(), values: added.values.clone() },
    );
    this.base.set(name, full);
  }

  private setLatest(block: number, entry: KvEntry): void {
    const old = this.latest.get(block);
    tf.keep(entry.keysT);
    tf.keep(entry.values);
    this.latest.set(block, entry);
    if (old) {
      old.keysT.dispose();
      old.values.dispose();
    }
  }

  dispose(): void {
    for (const e of this.latest.values()) {
      e.keysT.dispose();
      e.values.dispose();
    }
    this.latest.clear();
    this.activeMask?.dispose();
  }
}

/** One new position per row, with per-row early exit: exited rows keep their state frozen. */
function decodeWithEarlyExit(
  model: RecurrentDepthModel,
  next: number[][],
  o: AdaptiveStepOptions,
): { logits: Float32Array; latents: Float32Array | undefined; stepsUsed: number[] } {
  const rows = next.length;
  const h = model.config.nEmbd;
  const past = o.cache.length;
  const store = new ExitAwareStore(o.cache);
  const ctx = model.stepContext(rows, 1, past, store, o.keyMask);
  const tracker = new ExitTracker(o.earlyExit, rows);
  const decodeEachStep = needsDistributions(o.earlyExit.criterion);
  const active = new Array<boolean>(rows).fill(true);
  const used = new Array<number>(rows).fill(o.steps);
  const latents: tf.Tensor[] = [];
  let e: tf.Tensor3D | undefined;
  let state: tf.Tensor3D | undefined;
  try {
    e = tf.tidy(() => model.prelude(model.embed(tf.tensor2d(next, [rows, 1], 'int32')), ctx));
    state = tf.tensor3d(o.sampler.next(1), [rows, 1, h]);
    if (o.record) latents.push(tf.keep(model.finalNorm(state)));
    let t = 1;
    for (; t <= o.steps && active.some((a) => a); t++) {
      const prevState: tf.Tensor3D = state;
      // The mask must be in place before the step runs: the step's cache writes consult it.
      const activeMask = tf.tensor4d(active.map((a) => (a ? 1 : 0)), [rows, 1, 1, 1]);
      store.activeMask?.dispose();
      store.activeMask = activeMask;
      const input = model.perturbState(prevState, t, o.stepNoise, active);
      const computed = model.coreStep(input, e, t, ctx);
      if (input !== prevState) input.dispose();
      const nextState: tf.Tensor3D = tf.tidy(() => tf.where(tf.reshape(activeMask, [rows, 1, 1]).cast('bool'), computed, prevState));
      computed.dispose();
      const stats = tf.tidy(() => {
        const diff = tf.sub(nextState, prevState);
        const flat = (x: tf.Tensor) => tf.reshape(x, [rows, h]);
        const out: tf.Tensor[] = [tf.norm(flat(diff), 'euclidean', 1), tf.norm(flat(nextState), 'euclidean', 1), tf.sum(tf.mul(flat(nextState), flat(prevState)), 1), tf.norm(flat(prevState), 'euclidean', 1)];
        if (decodeEachStep) {
          const readOnly = { ...ctx, cache: { get: (n: string) => store.get(n), put: () => undefined } };
          const logits = tf.reshape(model.head(tf.reshape(model.codaOut(nextState, readOnly), [rows, h])), [rows, -1]);
          const vocab = model.config.vocabSize;
          out.push(tf.logSoftmax(tf.slice(logits, [0, 0], [-1, vocab])));
        }
        return out;
      });
      const [diffNorm, norm, dot, prevNorm, logProbs] = stats.map((x) => x.dataSync() as Float32Array);
      stats.forEach((x) => x.dispose());
      prevState.dispose();
      state = nextState;
      if (o.record) latents.push(tf.keep(model.finalNorm(state)));
      const exits = tracker.update(t, { diffNorm: diffNorm!, norm: norm!, dot: dot!, prevNorm: prevNorm!, logProbs, vocab: model.config.vocabSize });
      exits.forEach((x, r) => {
        if (x && active[r]) {
          active[r] = false;
          used[r] = t;
        }
      });
    }
    // Steps nobody computed: the cache takes the latest entries; the recorded latent stays frozen.
    for (; t <= o.steps; t++) {
      store.fillSkipped(t, model.config.nCore);
      if (o.record) latents.push(latents[latents.length - 1]!.clone());
    }
    const finalState = state;
    const logitData = download(tf.tidy(() => tf.reshape(model.head(tf.reshape(model.codaOut(finalState, ctx), [rows, h])), [rows, -1])));
    const latentData = o.record ? download(tf.concat(latents, 1)) : undefined;
    return { logits: logitData, latents: latentData, stepsUsed: used };
  } finally {
    e?.dispose();
    state?.dispose();
    latents.forEach((x) => x.dispose());
    store.dispose();
    model.disposeContext(ctx);
  }
}
