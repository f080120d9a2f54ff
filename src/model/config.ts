/**
 * The configuration of a recurrent-depth (Huginn) model, read from a Hugging Face style
 * `config.json` with the keys the released checkpoint uses.
 */
import { checkTestTimeNoise, type NoiseSchedule, type TestTimeNoise } from './test-time-noise.js';

export interface HuginnConfig {
  /** Width h of the residual stream (`n_embd`). */
  readonly nEmbd: number;
  readonly nHeads: number;
  /** h / nHeads; computed, never read from `head_dim` (which upstream ignores too). */
  readonly headSize: number;
  readonly nPrelude: number;
  readonly nCore: number;
  readonly nCoda: number;
  /** Hidden width of the gated MLP (`intermediate_size`); `fc` has 2x this many outputs. */
  readonly intermediateSize: number;
  /** Tokenizer vocabulary (`vocab_size`). */
  readonly vocabSize: number;
  /** Rows of the embedding and output head (`padded_vocab_size`, else `vocab_size`). */
  readonly paddedVocabSize: number;
  readonly normEps: number;
  readonly ropeBase: number;
  /** Longest sequence the rotary tables cover (`block_size`). */
  readonly blockSize: number;
  /** Mean number of recurrence steps in training (`mean_recurrence`). */
  readonly meanRecurrence: number;
  /**
   * Default number of recurrence steps at inference (`test_time_steps`, this library's extension;
   * default `mean_recurrence`, as upstream): a small model whose state converges in a few steps
   * keeps its runs apart only when it stops before that.
   */
  readonly testTimeSteps: number;
  readonly meanBackpropDepth: number;
  /** Std of the initial-state normal before `init_scale` (`init_values.std`). */
  readonly initStd: number;
  /** Multiplier of embeddings and of the initial state (`init_values.embed_scale`). */
  readonly embedScale: number;
  /**
   * `state_init`: 'like-init' (upstream: truncated normal with init_values.std) or 'zero' (this
   * library's extension: s0 = 0, used by the standard-transformer baseline, which runs its blocks
   * once and has no latent randomness).
   */
  readonly stateInit: 'like-init' | 'zero';
  readonly qkBias: boolean;
  readonly tieEmbeddings: boolean;
  /** Noise mixed into the state before every recurrence step (`test_time_noise`, `_type`); off by default. */
  readonly testTimeNoise: TestTimeNoise;
  /**
   * Default multiplier of `init_values.std` for the initial state at inference
   * (`test_time_init_scale`, this library's extension; default 1). The paper widens the initial
   * state to make runs differ.
   */
  readonly testTimeInitScale: number;
  /** The config as read, for saving it back unchanged. */
  readonly raw: Readonly<Record<string, unknown>>;
}

type Json = Record<string, unknown>;

function fail(source: string, key: string, expected: string, got: unknown): never {
  throw new Error(`${source}: "${key}" ${expected}, got ${JSON.stringify(got)}`);
}

function positiveInt(obj: Json, key: string, source: string, fallback?: number): number {
  const v = obj[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) fail(source, key, 'must be a positive integer', v);
  return v;
}

function nonNegativeInt(obj: Json, key: string, source: string, fallback?: number): number {
  const v = obj[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(source, key, 'must be a non-negative integer', v);
  return v;
}

function positiveNumber(obj: Json, key: string, source: string, fallback?: number): number {
  const v = obj[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(source, key, 'must be a positive number', v);
  return v;
}

function expectValue(obj: Json, key: string, allowed: readonly unknown[], source: string): void {
  if (key in obj && !allowed.includes(obj[key])) {
    fail(source, key, `must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')} (the only variant implemented)`, obj[key]);
  }
}

/** Parses and validates a Huginn `config.json` object; `source` names the file in errors. */
export function parseHuginnConfig(json: unknown, source = 'config.json'): HuginnConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`${source}: expected a JSON object with the model configuration`);
  }
  const obj = json as Json;
  const nEmbd = positiveInt(obj, 'n_embd', source);
  const nHeads = positiveInt(obj, 'n_heads', source);
  if (nEmbd % nHeads !== 0) fail(source, 'n_embd', `must be divisible by n_heads=${nHeads}`, nEmbd);
  const headSize = nEmbd / nHeads;
  if (headSize % 2 !== 0) fail(source, 'n_embd', `/ n_heads must be even for rotary embeddings (head size ${headSize})`, nEmbd);
  if ('num_key_value_heads' in obj && obj['num_key_value_heads'] !== nHeads) {
    fail(source, 'num_key_value_heads', `must equal n_heads=${nHeads} (grouped key/value heads are not part of Huginn)`, obj['num_key_value_heads']);
  }
  expectValue(obj, 'block_class_name', ['SandwichBlock'], source);
  expectValue(obj, 'norm_class_name', ['RMSNorm_llama', 'RMSNorm'], source);
  expectValue(obj, 'mlp_class_name', ['GatedMLP'], source);
  expectValue(obj, 'nonlin_name', ['SiLU'], source);
  expectValue(obj, 'injection_type', ['linear'], source);
  expectValue(obj, 'bias', [false], source);
  const vocabSize = positiveInt(obj, 'vocab_size', source);
  const paddedVocabSize = positiveInt(obj, 'padded_vocab_size', source, vocabSize);
  if (paddedVocabSize < vocabSize) fail(source, 'padded_vocab_size', `must be >= vocab_size=${vocabSize}`, paddedVocabSize);
  const initValues = (obj['init_values'] ?? {}) as Json;
  if (typeof initValues !== 'object' || initValues === null) fail(source, 'init_values', 'must be an object', initValues);
  const initStd = positiveNumber(initValues, 'std', `${source} init_values`, Math.sqrt(2 / (5 * nEmbd)));
  const embedScale = positiveNumber(initValues, 'embed_scale', `${source} init_values`, 1);
  const tie = obj['tie_embeddings'] ?? true;
  if (typeof tie !== 'boolean') fail(source, 'tie_embeddings', 'must be a boolean', tie);
  const qkBias = obj['qk_bias'] ?? false;
  if (typeof qkBias !== 'boolean') fail(source, 'qk_bias', 'must be a boolean', qkBias);
  const stateInit = obj['state_init'] ?? 'like-init';
  if (stateInit !== 'like-init' && stateInit !== 'zero') fail(source, 'state_init', 'must be "like-init" or "zero"', stateInit);
  const noiseScale = obj['test_time_noise'] ?? 0;
  if (typeof noiseScale !== 'number') fail(source, 'test_time_noise', 'must be a number', noiseScale);
  const noiseSchedule = obj['test_time_noise_type'] ?? 'fixed';
  if (typeof noiseSchedule !== 'string') fail(source, 'test_time_noise_type', 'must be a string', noiseSchedule);
  const testTimeNoise = checkTestTimeNoise({ scale: noiseScale, schedule: noiseSchedule as NoiseSchedule }, `${source} test_time_noise`);
  const meanRecurrence = positiveInt(obj, 'mean_recurrence', source, 32);
  const testTimeInitScale = obj['test_time_init_scale'] ?? 1;
  if (typeof testTimeInitScale !== 'number' || !Number.isFinite(testTimeInitScale) || testTimeInitScale < 0) {
    fail(source, 'test_time_init_scale', 'must be a finite number >= 0', testTimeInitScale);
  }
  return {
    nEmbd,
    nHeads,
    headSize,
    nPrelude: nonNegativeInt(obj, 'n_layers_in_prelude', source),
    nCore: positiveInt(obj, 'n_layers_in_recurrent_block', source),
    nCoda: nonNegativeInt(obj, 'n_layers_in_coda', source),
    intermediateSize: positiveInt(obj, 'intermediate_size', source),
    vocabSize,
    paddedVocabSize,
    normEps: positiveNumber(obj, 'norm_eps', source, 1e-6),
    ropeBase: positiveNumber(obj, 'rope_base', source, 50000),
    blockSize: positiveInt(obj, 'block_size', source, 4096),
    meanRecurrence,
    testTimeSteps: positiveInt(obj, 'test_time_steps', source, meanRecurrence),
    meanBackpropDepth: positiveInt(obj, 'mean_backprop_depth', source, 8),
    initStd,
    embedScale,
    stateInit,
    qkBias,
    tieEmbeddings: tie,
    testTimeNoise,
    testTimeInitScale,
    raw: obj,
  };
}

/** Parameter count of a configuration (unique parameters, tied head counted once). */
export function parameterCount(c: HuginnConfig): number {
  const h = c.nEmbd;
  const block = 4 * h + 3 * h * h + (c.qkBias ? 2 * h : 0) + h * h + 2 * c.intermediateSize * h + c.intermediateSize * h;
  const head = c.tieEmbeddings ? 0 : c.paddedVocabSize * h;
  return c.paddedVocabSize * h + head + 2 * h * h + h + (c.nPrelude + c.nCore + c.nCoda) * block;
}

/** The architecture sizes from which a config.json is derived. */
export interface HuginnShape {
  /** Width h. */
  readonly nEmbd: number;
  readonly nHeads: number;
  readonly nPrelude: number;
  /** Blocks in the recurrent core. */
  readonly nCore: number;
  readonly nCoda: number;
  readonly intermediate: number;
  readonly vocab: number;
  /** Maximum sequence length; default 4096 as in the released model. */
  readonly blockSize?: number;
  /** Default number of recurrence steps; default 32 as in the released model. */
  readonly meanRecurrence?: number;
  /** Steps trained with gradient (truncated backpropagation); default 8 as in the released model. */
  readonly meanBackpropDepth?: number;
  /** Initial state: 'like-init' (default, upstream) or 'zero' (the standard-transformer baseline). */
  readonly stateInit?: 'like-init' | 'zero';
}

/**
 * A Huginn config.json with the keys, in the order, of the parity fixtures (and the hub config).
 * Derived values follow the released model: init std sqrt(2/(5h)), embed_scale sqrt(h), out_proj
 * std / sqrt(2 * effective depth), effective depth = prelude + coda + core * mean recurrence.
 */
export function huginnConfigJson(shape: HuginnShape): Record<string, unknown> {
  const h = shape.nEmbd;
  const meanRecurrence = shape.meanRecurrence ?? 32;
  const effectiveDepth = shape.nPrelude + shape.nCoda + shape.nCore * meanRecurrence;
  const std = Math.sqrt(2 / (5 * h));
  return {
    n_embd: h,
    n_heads: shape.nHeads,
    num_key_value_heads: shape.nHeads,
    head_dim: h / shape.nHeads,
    n_layers: 8, // unused by the model; the hub config and the fixtures both carry 8
    n_layers_in_prelude: shape.nPrelude,
    n_layers_in_recurrent_block: shape.nCore,
    n_layers_in_coda: shape.nCoda,
    intermediate_size: shape.intermediate,
    block_size: shape.blockSize ?? 4096,
    vocab_size: shape.vocab,
    padded_vocab_size: shape.vocab,
    padding_multiple: 4096,
    bias: false,
    qk_bias: true,
    tie_embeddings: true,
    architecture_class_name: 'RecurrentGPT',
    block_class_name: 'SandwichBlock',
    norm_class_name: 'RMSNorm_llama',
    norm_eps: 1e-6,
    mlp_class_name: 'GatedMLP',
    nonlin_name: 'SiLU',
    rope_base: 50000,
    injection_type: 'linear',
    mean_recurrence: meanRecurrence,
    mean_backprop_depth: shape.meanBackpropDepth ?? 8,
    sampling_scheme: 'poisson-lognormal-filling',
    state_init: shape.stateInit ?? 'like-init',
    init_strategy: 'takase',
    init_orthogonal: false,
    effective_expected_depth: effectiveDepth,
    init_values: {
      std,
      out_proj: std / Math.sqrt(2 * effectiveDepth),
      embedding: std,
      embed_scale: Math.sqrt(h),
    },
    test_time_noise: 0,
    test_time_noise_type: 'fixed',
    model_type: 'huginn_raven',
    architectures: ['RavenForCausalLM'],
    torch_dtype: 'float32',
  };
}
