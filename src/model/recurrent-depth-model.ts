/**
 * The recurrent-depth language model (Huginn): prelude, a core block iterated T times from a
 * random initial state, coda. A forward pass can record the latent state after every step, by
 * canonical name (see latent-names.ts), at chosen positions, without materialising anything
 * that was not asked for.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { parseHuginnConfig, type HuginnConfig } from './config.js';
import { loadHuginnWeights, weightTensors, splitAttention, splitMlp, splitTensors, headLayoutWeights, headLayoutTensors, type BlockWeights, type HuginnWeights } from './weights.js';
import { pairSumMatrix, type HeadLayoutContext } from './layers/head-attention.js';
import { meanColumn, rmsNorm } from './layers/rms-norm.js';
import { rotaryTables, disposeRotary, headRotaryTable, type RotaryTables } from './layers/rotary.js';
import { sandwichBlock, type BlockContext } from './layers/sandwich-block.js';
import { KvCache, kvName, repeatRows, type KvStore } from './kv-cache.js';
import { InitialStateSampler } from './initial-state.js';
import { StepNoiseSampler, type TestTimeNoise } from './test-time-noise.js';
import { selectNames, stepName, type NameSelection } from './latent-names.js';
import { openCheckpointTensors } from '../io/checkpoint.js';
import type { Seed } from '../tensor/random.js';
import { weightMatMul } from './layers/weight-matmul.js';
import { matMulRows, opsAreCostly } from './layers/layout.js';
import { JUPYTER_DISPLAY, displayOf, type MimeBundle } from '../display/protocol.js';

/** Large negative added to masked attention scores (finite, so fully masked rows stay finite). */
const MASKED = -1e9;

/**
 * Upper bound on the bytes of the derived inference layout (split Q/K/V, gate/up and adapter
 * copies, about 0.8x the block weights). Below it the copies are made at construction: they save
 * the slices of fused products, which on the wasm backend copy their whole input in JavaScript.
 * Large models (which only fit a native backend anyway) keep the fused layout and their memory.
 * The copies are never made from trainable variables (they would go stale when the variables are
 * updated) and never used while a gradient is recorded (gradients must reach the weights).
 */
const SPLIT_LAYOUT_MAX_BYTES = 512 * 2 ** 20;

/** The weights the forward pass runs on: the loaded blocks, with split copies when affordable. */
interface RunWeights {
  readonly prelude: readonly BlockWeights[];
  readonly core: readonly BlockWeights[];
  readonly coda: readonly BlockWeights[];
  /** The adapter's state rows [h, h] and injection rows [h, h] (split layout only). */
  readonly adapter: { readonly stateT: tf.Tensor2D; readonly injectT: tf.Tensor2D } | undefined;
  /** Tensors created for this layout (disposed with the model). */
  readonly derived: readonly tf.Tensor[];
}

function splitLayoutBytes(c: HuginnConfig): number {
  const h = c.nEmbd;
  const perBlock = 3 * h * h + 2 * h + 2 * h * c.intermediateSize;
  return 4 * ((c.nPrelude + c.nCore + c.nCoda) * perBlock + 2 * h * h);
}

function fusedRunWeights(w: HuginnWeights): RunWeights {
  return { prelude: w.prelude, core: w.core, coda: w.coda, adapter: undefined, derived: [] };
}

function buildRunWeights(c: HuginnConfig, w: HuginnWeights): RunWeights {
  const trainable = weightTensors(w).some((t) => t instanceof tf.Variable);
  if (trainable || splitLayoutBytes(c) > SPLIT_LAYOUT_MAX_BYTES) return fusedRunWeights(w);
  // Every derived tensor is a single slice (no intermediates), owned by the model.
  const derived: tf.Tensor[] = [];
  const split = (blocks: readonly BlockWeights[]): BlockWeights[] =>
    blocks.map((b) => {
      const out: BlockWeights = { ...b, attn: { ...b.attn, split: splitAttention(b.attn) }, mlp: { ...b.mlp, split: splitMlp(b.mlp) } };
      derived.push(...splitTensors(out));
      return out;
    });
  const h = c.nEmbd;
  const adapter = { stateT: tf.slice(w.adapterT, [0, 0], [h, h]), injectT: tf.slice(w.adapterT, [h, 0], [h, h]) };
  derived.push(adapter.stateT, adapter.injectT);
  return { prelude: split(w.prelude), core: split(w.core), coda: split(w.coda), adapter, derived };
}

/** The head-major inference layout (see HeadLayoutWeights) on top of a split one. */
interface HeadRunWeights extends RunWeights {
  /** [I; I] of the head size, shared by every call (see HeadLayoutContext). */
  readonly pairSum: tf.Tensor2D;
}

function buildHeadRunWeights(c: HuginnConfig, split: RunWeights): HeadRunWeights {
  const derived: tf.Tensor[] = [];
  const withHeads = (blocks: readonly BlockWeights[]): BlockWeights[] =>
    blocks.map((b) => {
      const heads = headLayoutWeights(b, c.nHeads);
      derived.push(...headLayoutTensors(heads));
      return { ...b, heads };
    });
  const [prelude, core, coda] = [withHeads(split.prelude), withHeads(split.core), withHeads(split.coda)];
  const pairSum = pairSumMatrix(c.headSize);
  derived.push(pairSum);
  // Built during a forward call, maybe inside a caller's tf.tidy: the copies must outlive it.
  for (const t of derived) tf.keep(t);
  return { prelude, core, coda, adapter: split.adapter, derived, pairSum };
}

export type PositionSelection = 'all' | 'last' | readonly number[];

export interface ForwardOptions {
  /** Recurrence steps T (default: the config's test_time_steps, else mean_recurrence). */
  readonly steps?: number;
  /** Runs per prompt, batched: output row b * runs + r is run r of prompt b. Default 1. */
  readonly runs?: number;
  /** Seed of the initial states; row i uses deriveSeed(seed, 'row', i). Default 0. */
  readonly seed?: Seed;
  /** Multiplier of the initial-state std (0 = deterministic zero state). Default: the config's test_time_init_scale, else 1. */
  readonly initScale?: number;
  /** Draws the initial states (overrides seed/initScale; used to continue streams in generation). */
  readonly sampler?: InitialStateSampler;
  /** Explicit initial state [rows, S, h] (overrides the sampler). */
  readonly initialState?: Float32Array | tf.Tensor3D;
  /** Noise mixed into the state before every step (default: the config's `test_time_noise`, usually off). */
  readonly noise?: TestTimeNoise;
  /** Draws that noise (overrides seed/noise; used to continue streams in generation). */
  readonly stepNoise?: StepNoiseSampler;
  /**
   * Which keys are real tokens (1) or padding (0), [B or rows, past + S]. Needed for batches of
   * prompts of unequal length (left padding); upstream Huginn ignores it.
   */
  readonly attentionMask?: readonly (readonly number[])[];
  /** Names to record (`latent.*`, `state.0`, `prelude.out`, `logits.3`, ...). */
  readonly record?: readonly string[];
  /** Positions at which records are taken. Default 'last'. */
  readonly positions?: PositionSelection;
  /** Positions at which the final logits are computed ('none' skips the coda). Default 'last'. */
  readonly logits?: PositionSelection | 'none';
  /** Key/value cache to extend (generation). */
  readonly cache?: KvCache;
}

export interface ForwardResult {
  /** Final logits [rows, P, vocab] at the requested positions, or undefined with logits: 'none'. */
  readonly logits: tf.Tensor3D | undefined;
  /** Recorded tensors by canonical name, each [rows, P, width]. */
  readonly records: ReadonlyMap<string, tf.Tensor3D>;
  /** The last state s_T, [rows, S, h] (kept for callers that continue from it). */
  readonly finalState: tf.Tensor3D;
  dispose(): void;
}

interface StepContext extends BlockContext {
  readonly rows: number;
  readonly length: number;
}

export class RecurrentDepthModel {
  private disposed = false;
  /** The split inference layout (or the fused weights when none was made). */
  private readonly run: RunWeights;
  private readonly fused: RunWeights;
  /** [h, 1] of 1/h: the norms' mean as a matMul where ops are costly (see rmsNorm). */
  private readonly normMeanColumn: tf.Tensor2D;
  /** The head-major layout, built at its first use (only where ops are costly). */
  private headRun: HeadRunWeights | undefined;

  constructor(
    readonly config: HuginnConfig,
    readonly weights: HuginnWeights,
    /** Where the model came from (a folder, or a description). */
    readonly source: string,
  ) {
    this.run = buildRunWeights(config, weights);
    this.fused = fusedRunWeights(weights);
    this.normMeanColumn = meanColumn(config.nEmbd);
  }

  /** The column for rmsNorm where ops are costly (one matMul for tfjs-node's three mean calls). */
  private normColumn(): tf.Tensor2D | undefined {
    return opsAreCostly() ? this.normMeanColumn : undefined;
  }

  /**
   * The weights to run on now: the loaded ones while a gradient is being recorded; else the
   * head-major copies where ops are costly, or the split copies.
   */
  private layout(): RunWeights {
    if (tf.engine().isTapeOn()) return this.fused;
    return this.headLayoutRun() ?? this.run;
  }

  /**
   * The head-major layout when it applies now: ops are costly (the native backend), no gradient is
   * being recorded, and the split layout exists (it does not for trainable or very large weights).
   * Built at the first call that needs it, so the other backends never hold its copies.
   */
  private headLayoutRun(): HeadRunWeights | undefined {
    if (!opsAreCostly() || tf.engine().isTapeOn() || this.run.adapter === undefined) return undefined;
    this.headRun ??= buildHeadRunWeights(this.config, this.run);
    return this.headRun;
  }

  /** Loads config.json + safetensors (single file or sharded, f32/bf16/f16) from a folder. */
  static async load(dir: string): Promise<RecurrentDepthModel> {
    const configPath = join(dir, 'config.json');
    let text: string;
    try {
      text = await fsp.readFile(configPath, 'utf8');
    } catch (e) {
      throw new Error(`${configPath}: cannot read the model configuration (${(e as Error).message})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${configPath}: not valid JSON (${(e as Error).message})`);
    }
    const config = parseHuginnConfig(json, configPath);
    const source = await openCheckpointTensors(dir);
    try {
      const weights = await loadHuginnWeights(source, config);
      return new RecurrentDepthModel(config, weights, dir);
    } finally {
      await source.close();
    }
  }

  get hiddenSize(): number {
    return this.config.nEmbd;
  }

  /** Notebook rendering (the display protocol); the summary itself lives in src/display. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return displayOf(this);
  }

  /** Bytes held by the checkpoint's weights on the backend (float32). */
  get weightBytes(): number {
    return weightTensors(this.weights).reduce((s, t) => s + t.size * 4, 0);
  }

  /** Bytes of the derived inference layouts (split and head-major copies; 0 for large models). */
  get derivedWeightBytes(): number {
    return [...this.run.derived, ...(this.headRun?.derived ?? [])].reduce((s, t) => s + t.size * 4, 0);
  }

  dispose(): void {
    if (this.disposed) return;
    for (const t of weightTensors(this.weights)) t.dispose();
    for (const t of this.run.derived) t.dispose();
    for (const t of this.headRun?.derived ?? []) t.dispose();
    this.normMeanColumn.dispose();
    this.disposed = true;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('this model has been disposed');
  }

  // ---- building blocks (all return new tensors; callers own them) ----

  /** wte[ids] * embed_scale, [B, S, h]. */
  embed(ids: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, s] = ids.shape;
      const cols = tf.gather(this.weights.wteT, tf.reshape(ids, [b * s]), 1); // [h, B*S]
      return tf.mul(tf.reshape(tf.transpose(cols), [b, s, this.config.nEmbd]), this.config.embedScale) as tf.Tensor3D;
    });
  }

  /** ln_f(x). */
  finalNorm<T extends tf.Tensor>(x: T): T {
    return rmsNorm(x, this.weights.lnF, this.config.normEps, this.normColumn());
  }

  private runBlocks(x: tf.Tensor3D, blocks: readonly BlockWeights[], ctx: BlockContext, name: (j: number) => string): tf.Tensor3D {
    return tf.tidy(() => {
      let y = x;
      blocks.forEach((w, j) => {
        y = sandwichBlock(y, w, ctx, name(j));
      });
      return y;
    });
  }

  /** Prelude(e0): the e that is injected at every recurrence step. */
  prelude(e0: tf.Tensor3D, ctx: BlockContext): tf.Tensor3D {
    return this.runBlocks(e0, this.layout().prelude, ctx, (j) => kvName('prelude', j));
  }

  /** One recurrence step: Core(adapter(concat(state, e))). */
  coreStep(state: tf.Tensor3D, e: tf.Tensor3D, step: number, ctx: BlockContext): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, s, h] = state.shape;
      const run = this.layout();
      if (run.adapter) return this.injectedStep(state, matMulRows(e, run.adapter.injectT), step, ctx, run);
      const joined = tf.reshape(tf.concat([state, e], 2), [b * s, 2 * h]);
      const x = tf.reshape(weightMatMul(joined as tf.Tensor2D, this.weights.adapterT), [b, s, h]) as tf.Tensor3D;
      return this.runBlocks(x, run.core, ctx, (j) => kvName('core', j, step));
    });
  }

  /**
   * A recurrence step with the injection e @ adapter[h:2h] precomputed (split layout only):
   * adapter(concat(state, e)) = state @ adapter[0:h] + injection. `injection` is [B, S, h].
   */
  private injectedStep(state: tf.Tensor3D, injection: tf.Tensor3D, step: number, ctx: BlockContext, run: RunWeights): tf.Tensor3D {
    return tf.tidy(() => {
      const x = tf.add(matMulRows(state, run.adapter!.stateT), injection) as tf.Tensor3D;
      return this.runBlocks(x, run.core, ctx, (j) => kvName('core', j, step));
    });
  }

  /** Coda output ln_f(Coda(ln_f(state))), [B, S, h]: the input of the head. */
  codaOut(state: tf.Tensor3D, ctx: BlockContext): tf.Tensor3D {
    return tf.tidy(() => this.finalNorm(this.runBlocks(this.finalNorm(state), this.layout().coda, ctx, (j) => kvName('coda', j))));
  }

  /** Logits of rows [N, h] -> [N, vocab] (tied head unless the checkpoint has its own). */
  head(x: tf.Tensor2D): tf.Tensor2D {
    return weightMatMul(x, this.weights.lmHeadT ?? this.weights.wteT);
  }

  /** Rotary tables and mask for S new positions after `past` cached ones. */
  stepContext(rows: number, length: number, past: number, cache: KvStore | undefined, keyMask?: readonly (readonly number[])[]): StepContext {
    const keys = past + length;
    if (keys > this.config.blockSize) {
      throw new Error(`sequence of ${keys} positions exceeds the model's block_size ${this.config.blockSize}`);
    }
    const positions = Array.from({ length }, (_, i) => past + i);
    const { nHeads, headSize } = this.config;
    // Where ops are costly, one full-width swap matMul replaces a reshape, a matMul and a reshape.
    const rotary = rotaryTables(positions, nHeads, headSize, this.config.ropeBase, opsAreCostly() ? nHeads * headSize : headSize);
    // The head-major layout saves ops, which is what one row costs; at 20 rows its wider
    // elementwise work and 5-D transposes cost more than the ops it saves (measured, tfjs-node).
    const headRun = rows === 1 ? this.headLayoutRun() : undefined;
    const headLayout: HeadLayoutContext | undefined = headRun && { table: headRotaryTable(positions, headSize, this.config.ropeBase), pairSum: headRun.pairSum };
    return {
      nHeads: this.config.nHeads,
      eps: this.config.normEps,
      meanColumn: this.normColumn(),
      rotary,
      ...(headLayout ? { headLayout } : {}),
      maskBias: buildMaskBias(rows, length, past, keyMask),
      cache,
      rows,
      length,
    };
  }

  disposeContext(ctx: StepContext): void {
    disposeRotary(ctx.rotary as RotaryTables);
    ctx.headLayout?.table.dispose();
    ctx.maskBias?.dispose();
  }

  /**
   * Runs the model on a batch of token ids of equal length (left-pad unequal prompts and pass
   * `attentionMask`). Returns the requested records and logits; dispose the result when done.
   */
  forward(ids: readonly (readonly number[])[], options: ForwardOptions = {}): ForwardResult {
    this.checkAlive();
    const c = this.config;
    const { batch, length, steps, runs } = checkForwardShape(c, ids, options);
    const rows = batch * runs;
    const cache = options.cache;
    const past = cache?.length ?? 0;
    if (cache && past > 0) {
      // A filled cache continues the rows it was built with (checked here, before any tensor exists).
      if (runs > 1) throw new Error(`forward: runs = ${runs} needs an empty cache; a filled cache already holds one row per run (continue with runs: 1 and one id row per cached row)`);
      const cachedRows = cache.get(cache.names()[0]!)!.values.shape[0];
      if (cachedRows !== rows) throw new Error(`forward: the cache holds ${cachedRows} rows, but this call has ${rows} (one id row per cached row)`);
    }
    const keyMask = expandMask(options.attentionMask, batch, runs, past + length);
    const selection = selectNames(options.record ?? [], steps);
    const positions = resolvePositions(options.positions ?? 'last', length, 'positions');
    const wantLogits = options.logits !== 'none';
    const logitPositions = options.logits === 'none' ? undefined : resolvePositions(options.logits ?? 'last', length, 'logits');

    const records = new Map<string, tf.Tensor3D>();
    /** Records x at the selected positions (x already picked when `picked`). */
    const keepRecord = (name: string, x: tf.Tensor3D, picked = false): void => {
      records.set(name, tf.keep(picked ? x : pick(x, positions)));
    };

    // The prelude runs once per prompt; runs share its output (and its cache entries). With the
    // split layout the per-step input is only its projection e @ adapter[h:2h], computed once.
    const preludeCtx = this.stepContext(batch, length, past, cache, runs === 1 ? keyMask : everyRunsFirst(keyMask, runs));
    const run = this.layout();
    const adapter = run.adapter;
    let e: tf.Tensor;
    try {
      e = tf.tidy(() => {
        const idTensor = tf.tensor2d(ids.map((r) => [...r]), [batch, length], 'int32');
        const e0 = this.embed(idTensor);
        if (selection.fixed.has('embed')) keepRecord('embed', runs === 1 ? e0 : repeatRows(e0, runs));
        const out = this.prelude(e0, preludeCtx);
        if (selection.fixed.has('prelude.out')) keepRecord('prelude.out', runs === 1 ? out : repeatRows(out, runs));
        if (adapter) {
          const injection = matMulRows(out, adapter.injectT);
          return runs === 1 ? injection : repeatRows(injection, runs);
        }
        return runs === 1 ? out : repeatRows(out, runs);
      });
    } catch (err) {
      for (const r of records.values()) r.dispose();
      throw err;
    } finally {
      this.disposeContext(preludeCtx);
    }
    if (cache && runs > 1) cache.repeatBatch(runs);

    const ctx = this.stepContext(rows, length, past, cache, keyMask);
    try {
      // Which of the new positions are tokens (not padding): the random draws skip padding.
      const tokenMask = keyMask?.map((m) => m.slice(past));
      let state = this.initialState(options, rows, length, tokenMask);
      const noise = this.stepNoiseFor(options, rows);
      this.recordStep(selection, 0, state, ctx, keepRecord, positions);
      for (let t = 1; t <= steps; t++) {
        const input = this.perturbState(state, t, noise, undefined, tokenMask);
        const next = adapter ? this.injectedStep(input, e as tf.Tensor3D, t, ctx, run) : this.coreStep(input, e as tf.Tensor3D, t, ctx);
        if (input !== state) input.dispose();
        state.dispose();
        state = next;
        this.recordStep(selection, t, state, ctx, keepRecord, positions);
      }
      let logits: tf.Tensor3D | undefined;
      if (wantLogits || selection.fixed.has('coda.out') || selection.fixed.has('logits')) {
        const out = this.codaOut(state, ctx);
        if (selection.fixed.has('coda.out')) keepRecord('coda.out', out);
        if (wantLogits) logits = this.logitsAt(out, logitPositions);
        if (selection.fixed.has('logits')) records.set('logits', tf.keep(this.logitsAt(out, positions)));
        out.dispose();
      }
      const finalState = state;
      return {
        logits,
        records,
        finalState,
        dispose: () => {
          logits?.dispose();
          finalState.dispose();
          for (const r of records.values()) r.dispose();
        },
      };
    } catch (err) {
      for (const r of records.values()) r.dispose();
      throw err;
    } finally {
      e.dispose();
      this.disposeContext(ctx);
    }
  }

  private logitsAt(out: tf.Tensor3D, positions: readonly number[] | undefined): tf.Tensor3D {
    return tf.tidy(() => {
      const x = pick(out, positions);
      const [b, p, h] = x.shape;
      return tf.reshape(this.head(tf.reshape(x, [b * p, h])), [b, p, -1]) as tf.Tensor3D;
    });
  }

  private recordStep(
    selection: NameSelection,
    t: number,
    state: tf.Tensor3D,
    ctx: StepContext,
    keep: (name: string, x: tf.Tensor3D, picked?: boolean) => void,
    positions: readonly number[] | undefined,
  ): void {
    tf.tidy(() => {
      if (selection.steps.state.has(t)) keep(stepName('state', t), state);
      // The norm acts on each position alone: pick the positions first, normalise only those.
      if (selection.steps.latent.has(t)) keep(stepName('latent', t), this.finalNorm(pick(state, positions)), true);
      if (selection.steps.logits.has(t)) {
        // Decoding an intermediate step must not disturb the coda's cache.
        const readOnly: BlockContext = { ...ctx, cache: ctx.cache ? { get: (n) => ctx.cache!.get(n), put: () => undefined } : undefined };
        keep(stepName('logits', t), this.logitsAt(this.codaOut(state, readOnly), undefined));
      }
    });
  }

  /**
   * The state entering recurrence step t (1-based) after test-time noise: `state` itself when the
   * noise is off, else a new tensor (upstream `_maybe_inject_noise`, which counts steps from 0).
   */
  perturbState(state: tf.Tensor3D, t: number, noise: StepNoiseSampler, activeRows?: readonly boolean[], tokenMask?: readonly (readonly number[])[]): tf.Tensor3D {
    return noise.perturb(state, t - 1, this.weights.core[this.weights.core.length - 1]!.norm4, activeRows, tokenMask);
  }

  private stepNoiseFor(options: ForwardOptions, rows: number): StepNoiseSampler {
    const noise = options.stepNoise ?? new StepNoiseSampler(this.config, InitialStateSampler.rowSeeds(options.seed ?? 0, rows), options.noise ?? this.config.testTimeNoise);
    if (noise.rows !== rows) throw new Error(`step-noise sampler has ${noise.rows} rows, the batch has ${rows}`);
    return noise;
  }

  private initialState(options: ForwardOptions, rows: number, length: number, tokenMask: readonly (readonly number[])[] | undefined): tf.Tensor3D {
    const h = this.config.nEmbd;
    const given = options.initialState;
    if (given instanceof tf.Tensor) {
      if (given.shape.join() !== [rows, length, h].join()) {
        throw new Error(`initialState tensor has shape [${given.shape.join(', ')}], expected [${rows}, ${length}, ${h}]`);
      }
      return given.clone();
    }
    if (given !== undefined) {
      if (given.length !== rows * length * h) {
        throw new Error(`initialState has ${given.length} values, expected rows x positions x h = ${rows} x ${length} x ${h}`);
      }
      return tf.tensor3d(given, [rows, length, h]);
    }
    const sampler = options.sampler ?? new InitialStateSampler(this.config, InitialStateSampler.rowSeeds(options.seed ?? 0, rows), options.initScale);
    if (sampler.rows !== rows) throw new Error(`initial-state sampler has ${sampler.rows} rows, the batch has ${rows}`);
    return tf.tensor3d(sampler.next(length, tokenMask), [rows, length, h]);
  }
}

/**
 * Validates the token ids, steps and runs of a forward call and resolves the defaults. Exported
 * so that the worker pool rejects what `forward` rejects, in the same words (and with row
 * numbers of the whole batch, not of a worker's share of it).
 */
export function checkForwardShape(
  c: HuginnConfig,
  ids: readonly (readonly number[])[],
  options: Pick<ForwardOptions, 'steps' | 'runs'>,
): { batch: number; length: number; steps: number; runs: number } {
  const batch = ids.length;
  if (batch === 0) throw new Error('forward: empty batch of token ids');
  const length = ids[0]!.length;
  if (length === 0) throw new Error('forward: token id rows must not be empty');
  ids.forEach((row, b) => {
    if (row.length !== length) throw new Error(`forward: token id row ${b} has length ${row.length}, expected ${length} (left-pad and pass attentionMask)`);
    row.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= c.paddedVocabSize) {
        throw new Error(`forward: token id ${id} at row ${b}, position ${i} is outside the vocabulary [0, ${c.paddedVocabSize})`);
      }
    });
  });
  const steps = options.steps ?? c.testTimeSteps;
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`forward: steps must be a non-negative integer, got ${steps}`);
  const runs = options.runs ?? 1;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`forward: runs must be a positive integer, got ${runs}`);
  return { batch, length, steps, runs };
}

function resolvePositions(sel: PositionSelection, length: number, what: string): number[] | undefined {
  if (sel === 'all') return undefined;
  if (sel === 'last') return [length - 1];
  for (const p of sel) {
    if (!Number.isInteger(p) || p < -length || p >= length) throw new Error(`${what}: position ${p} is outside 0..${length - 1}`);
  }
  return sel.map((p) => (p < 0 ? length + p : p));
}

/** Selects positions along axis 1 (undefined = all, returned as a copy). */
function pick(x: tf.Tensor3D, positions: readonly number[] | undefined): tf.Tensor3D {
  if (positions === undefined) return x.clone();
  if (positions.length === 1) return tf.slice(x, [0, positions[0]!, 0], [-1, 1, -1]);
  return tf.tidy(() => tf.gather(x, tf.tensor1d([...positions], 'int32'), 1));
}

/** Validates a [B, L] or [rows, L] 0/1 mask and expands it to rows; undefined if all ones. */
function expandMask(mask: ForwardOptions['attentionMask'], batch: number, runs: number, keys: number): number[][] | undefined {
  if (mask === undefined) return undefined;
  const rows = batch * runs;
  if (mask.length !== batch && mask.length !== rows) {
    throw new Error(`attentionMask has ${mask.length} rows, expected ${batch} (prompts) or ${rows} (prompts x runs)`);
  }
  mask.forEach((r, i) => {
    if (r.length !== keys) throw new Error(`attentionMask row ${i} has ${r.length} entries, expected ${keys} (cached + new positions)`);
    r.forEach((v, j) => {
      if (v !== 0 && v !== 1) throw new Error(`attentionMask[${i}][${j}] = ${v}; expected 0 (padding) or 1 (token)`);
    });
  });
  if (mask.every((r) => r.every((v) => v === 1))) return undefined;
  if (mask.length === rows) return mask.map((r) => [...r]);
  const out: number[][] = [];
  for (const r of mask) for (let k = 0; k < runs; k++) out.push([...r]);
  return out;
}

/** Rows of the first run of each prompt (the prelude runs once per prompt). */
function everyRunsFirst(mask: number[][] | undefined, runs: number): number[][] | undefined {
  return mask?.filter((_, i) => i % runs === 0);
}

/** Causal (bottom-right aligned) plus padding mask, [1 or rows, 1, S, past + S]; undefined when nothing is masked. */
export function buildMaskBias(rows: number, length: number, past: number, keyMask: readonly (readonly number[])[] | undefined): tf.Tensor4D | undefined {
  const keys = past + length;
  if (keyMask === undefined && length === 1) return undefined;
  const maskRows = keyMask === undefined ? 1 : rows;
  const data = new Float32Array(maskRows * length * keys);
  for (let r = 0; r < maskRows; r++) {
    for (let i = 0; i < length; i++) {
      for (let j = 0; j < keys; j++) {
        const causal = j <= past + i;
        const real = keyMask === undefined || keyMask[r]![j] === 1;
        data[(r * length + i) * keys + j] = causal && real ? 0 : MASKED;
      }
    }
  }
  return tf.tensor4d(data, [maskRows, 1, length, keys]);
}
