/**
 * Helpers for the model tests: a small synthetic Huginn model in a temporary folder, float
 * comparisons, and a single-row reference decoder built from `forward` + `KvCache` with an
 * explicit initial-state sampler (the "unbatched generation" that batched `generate` must equal).
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { InitialStateSampler } from '../../src/model/initial-state.js';
import { KvCache } from '../../src/model/kv-cache.js';
import { argmax } from '../../src/model/sampling.js';
import { initBackend } from '../../src/tensor/backend.js';
import type { Seed } from '../../src/tensor/random.js';
import { writeSyntheticHuginnCheckpoint, type SyntheticHuginnShape } from './synthetic-checkpoint.js';

/** h=32, 4 heads, 1/2/1 blocks, inter 64, vocab 50; 4 steps by default, block_size 64. */
export const SMALL_SHAPE: SyntheticHuginnShape = {
  nEmbd: 32,
  nHeads: 4,
  nPrelude: 1,
  nCore: 2,
  nCoda: 1,
  intermediate: 64,
  vocab: 50,
  blockSize: 64,
  meanRecurrence: 4,
};

export interface SyntheticModel {
  readonly model: RecurrentDepthModel;
  readonly dir: string;
  /** Disposes the model and removes its folder. */
  close(): Promise<void>;
}

/** Writes a synthetic checkpoint into a fresh temporary folder and loads it. */
export async function loadSyntheticModel(shape: SyntheticHuginnShape = SMALL_SHAPE, seed = 1): Promise<SyntheticModel> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-model-test-'));
  try {
    await writeSyntheticHuginnCheckpoint(dir, shape, { seed });
    const model = await RecurrentDepthModel.load(dir);
    return {
      model,
      dir,
      close: async () => {
        model.dispose();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * For a test file that works on the small synthetic model: registers a `before` hook that
 * initialises the backend, loads the model and hands it to `receive`, and an `after` hook that
 * disposes it and removes its folder.
 */
export function useSyntheticModel(receive: (model: RecurrentDepthModel) => void): void {
  let sm: SyntheticModel | undefined;
  before(async () => {
    await initBackend();
    sm = await loadSyntheticModel();
    receive(sm.model);
  });
  after(async () => {
    await sm?.close();
  });
}

/** Max |a - b| over two equally long arrays (NaN counts as Infinity). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, `length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  const d = maxAbsDiff(actual, expected);
  assert.ok(d <= tol, `${what}: max abs difference ${d} exceeds ${tol}`);
}

/** The values of a tensor as a Float32Array. */
export function values(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** Row r of a row-major [rows, ...] array with `per` values per row. */
export function row(data: Float32Array, r: number, per: number): Float32Array {
  return data.subarray(r * per, (r + 1) * per);
}

export interface ReferenceDecodeOptions {
  readonly steps: number;
  readonly maxNewTokens: number;
  /** Seed of this row's initial-state stream (e.g. InitialStateSampler.rowSeeds(seed, rows)[r]). */
  readonly rowSeed: Seed;
  readonly initScale?: number;
}

export interface ReferenceDecode {
  readonly tokens: number[];
  /** Per generated token: ln_f(state_t) for t = 0..T, [T+1, h] row-major. */
  readonly latents: Float32Array[];
}

/**
 * Greedy single-row decoding built only from `forward` with a KvCache and an explicit sampler:
 * prefill the prompt, then one token per call. Independent of generate.ts.
 */
export function referenceGreedyDecode(model: RecurrentDepthModel, prompt: readonly number[], o: ReferenceDecodeOptions): ReferenceDecode {
  const sampler = new InitialStateSampler(model.config, [o.rowSeed], o.initScale ?? 1);
  const names = Array.from({ length: o.steps + 1 }, (_, t) => `latent.${t}`);
  const cache = new KvCache();
  const tokens: number[] = [];
  const latents: Float32Array[] = [];
  try {
    let input: number[] = [...prompt];
    for (let n = 0; n < o.maxNewTokens; n++) {
      const out = model.forward([input], { steps: o.steps, sampler, cache, record: names, positions: 'last', logits: 'last' });
      try {
        const logits = values(out.logits!);
        const token = argmax(logits, model.config.vocabSize);
        tokens.push(token);
        const stacked = tf.concat(names.map((nm) => out.records.get(nm)!), 1);
        latents.push(Float32Array.from(values(stacked)));
        stacked.dispose();
        input = [token];
      } finally {
        out.dispose();
      }
    }
  } finally {
    cache.dispose();
  }
  return { tokens, latents };
}
