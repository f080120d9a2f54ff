/**
 * GenerationPool on a small synthetic model: pooled generate calls are bit-identical to the
 * in-process generate (latents, sampled decoding, early exit, concurrent requests), results come
 * back in request order, errors of the request and of dead workers reject without hanging, the
 * model check, and close().
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { generate, type GenerationResult } from '../../src/model/generate.js';
import { GenerationPool, type PoolGenerateOptions } from '../../src/model/generation-pool.js';
import { RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { loadSyntheticModel, type SyntheticModel } from '../helpers/model.js';

const PROMPTS = [
  [3, 14, 15, 9, 2, 6],
  [27, 18, 28],
  [5, 0, 49, 12, 7, 30, 11],
];
const BASE: PoolGenerateOptions = { maxNewTokens: 5, steps: 3, runs: 2, seed: 4, stopTokens: [7, 21], noise: { scale: 0.4, schedule: 'sqrt' } };

let sm: SyntheticModel;
let model: RecurrentDepthModel;
/** Two workers, as on the 2-core machine the pool is for. */
let pool: GenerationPool;

before(async () => {
  const info = await initBackend();
  sm = await loadSyntheticModel();
  model = sm.model;
  // The same backend as this process, so that equality is bit for bit.
  pool = await GenerationPool.open(sm.dir, { workers: 2, backend: info.name });
});

after(async () => {
  await pool.close();
  await sm.close();
});

/** Bit-level equality of two float arrays (distinguishes -0 from 0, compares NaN payloads). */
function assertBitIdentical(actual: Float32Array | undefined, expected: Float32Array | undefined, what: string): void {
  if (expected === undefined) {
    assert.equal(actual, undefined, what);
    return;
  }
  assert.ok(actual instanceof Float32Array, `${what}: a Float32Array`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const first = a.findIndex((v, i) => v !== b[i]);
  assert.equal(first, -1, `${what}: first difference at ${first}`);
}

function assertSameGeneration(pooled: GenerationResult, local: GenerationResult): void {
  assert.equal(pooled.steps, local.steps);
  assert.equal(pooled.hiddenSize, local.hiddenSize);
  assert.equal(pooled.sequences.length, local.sequences.length);
  pooled.sequences.forEach((s, i) => {
    const l = local.sequences[i]!;
    assert.deepEqual({ prompt: s.prompt, run: s.run, tokens: s.tokens, stopReason: s.stopReason, stepsUsed: s.stepsUsed }, { prompt: l.prompt, run: l.run, tokens: l.tokens, stopReason: l.stopReason, stepsUsed: l.stepsUsed }, `row ${i}`);
    assertBitIdentical(s.latents, l.latents, `row ${i} latents`);
  });
}

async function assertPoolMatches(prompts: readonly (readonly number[])[], options: PoolGenerateOptions): Promise<GenerationResult> {
  const pooled = await pool.generate(prompts, options);
  assertSameGeneration(pooled, generate(model, prompts, options));
  return pooled;
}

describe('pooled generate equals the in-process generate bit for bit', () => {
  test('prompts of unequal length x 2 runs, test-time noise, per-step latents; rows differ', async () => {
    const pooled = await assertPoolMatches(PROMPTS, BASE);
    assert.equal(pooled.sequences.length, 6);
    assert.notDeepEqual(pooled.sequences[0]!.latents, pooled.sequences[1]!.latents);
    // The rows' latents arrive as arrays of their own ([tokens, T + 1, h]).
    const s = pooled.sequences[0]!;
    assert.equal(s.latents!.length, s.tokens.length * 4 * model.config.nEmbd);
  });

  test('row seeds, initScale, sampled decoding, no latents', async () => {
    const rowSeeds = [11, 'b', 13, 14, 15, 16];
    await assertPoolMatches(PROMPTS, { ...BASE, rowSeeds, initScale: 0.5, decoding: { temperature: 0.8, topK: 10 }, recordLatents: false });
  });

  test('early exit', async () => {
    await assertPoolMatches(PROMPTS.slice(0, 2), { ...BASE, steps: 4, earlyExit: { criterion: 'latent-diff', threshold: 0.5 } });
  });

  test('concurrent requests (more than workers) each equal their in-process call; in order', async () => {
    const options = (seed: number): PoolGenerateOptions => ({ ...BASE, seed });
    const pooled = await Promise.all([1, 2, 3, 4, 5].map((seed) => pool.generate(PROMPTS, options(seed))));
    pooled.forEach((p, i) => assertSameGeneration(p, generate(model, PROMPTS, options(i + 1))));
    const requests = [6, 7, 8].map((seed) => ({ prompts: PROMPTS, options: options(seed) }));
    let i = 0;
    for await (const result of pool.generateInOrder(requests, 2)) assertSameGeneration(result, generate(model, PROMPTS, options(6 + i++)));
    assert.equal(i, 3);
  });

  test('a callback in the options is left out (it cannot reach a worker), and the main thread holds no new tensors', async () => {
    const before = tf.memory().numTensors;
    const pooled = await pool.generate(PROMPTS, { ...BASE, onToken: () => assert.fail('not called in a worker') } as PoolGenerateOptions);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(pooled.sequences.length, 6);
  });
});

describe('errors', () => {
  function localError(prompts: readonly (readonly number[])[], options: PoolGenerateOptions): string {
    try {
      generate(model, prompts, options);
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail('the in-process generate was expected to throw');
  }

  test("an invalid request rejects with the model's message, and the pool keeps working", async () => {
    const zero = { ...BASE, maxNewTokens: 0 };
    await assert.rejects(pool.generate(PROMPTS, zero), { message: localError(PROMPTS, zero) });
    const seeds = { ...BASE, rowSeeds: [1, 2] };
    await assert.rejects(pool.generate(PROMPTS, seeds), { message: localError(PROMPTS, seeds) });
    const badId = [[3, 14, 500]];
    await assert.rejects(pool.generate(badId, BASE), { message: localError(badId, BASE) });
    await assert.rejects(pool.generate([], BASE), /generate: no prompts/);
    assert.equal(pool.running, 2);
    await assertPoolMatches(PROMPTS, BASE);
  });

  test('generateInOrder: a later request that fails early is reported in its turn, not as an unhandled rejection', async () => {
    const long: PoolGenerateOptions = { ...BASE, maxNewTokens: 10, steps: 6, stopTokens: [] };
    const requests = [{ prompts: PROMPTS, options: long }, { prompts: PROMPTS, options: { ...BASE, maxNewTokens: 0 } }, { prompts: PROMPTS, options: BASE }];
    const got: GenerationResult[] = [];
    await assert.rejects(
      (async () => {
        for await (const result of pool.generateInOrder(requests)) {
          got.push(result);
          // Give the failed request time to come back while this one is being consumed.
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
      { message: localError(PROMPTS, { ...BASE, maxNewTokens: 0 }) },
    );
    assert.equal(got.length, 1);
    assertSameGeneration(got[0]!, generate(model, PROMPTS, long));
  });

  test("a folder that cannot be loaded rejects open() with the loader's message; bad worker counts are refused", async () => {
    const missing = `${sm.dir}-missing`;
    const loadError = await RecurrentDepthModel.load(missing).then(
      () => assert.fail('loading a missing folder was expected to fail'),
      (e: Error) => e.message,
    );
    await assert.rejects(GenerationPool.open(missing, { workers: 1 }), { message: loadError });
    await assert.rejects(GenerationPool.open(sm.dir, { workers: 0 }), /workers must be a positive integer, got 0/);
  });

  test('a worker that dies rejects its request; the other worker carries on; with none left calls reject', async () => {
    const p = await GenerationPool.open(sm.dir, { workers: 2, backend: pool.backend });
    try {
      const long: PoolGenerateOptions = { ...BASE, maxNewTokens: 12, steps: 8, runs: 4, stopTokens: [] };
      const outcomes = Promise.allSettled([p.generate(PROMPTS, long), p.generate(PROMPTS, long)]);
      // Fault injection: end worker 1's thread from outside, as a crash would.
      const workers = (p as unknown as { workers: { worker: Worker }[] }).workers;
      await workers[1]!.worker.terminate();
      const [a, b] = await outcomes;
      const rejected = [a, b].filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
      assert.equal(rejected.length, 1, 'only the request of the dead worker fails');
      assert.match((rejected[0]!.reason as Error).message, /generation worker 1 exited unexpectedly/);
      assert.equal(p.running, 1);
      // Later requests go to the surviving worker.
      const again = await p.generate(PROMPTS, BASE);
      assertSameGeneration(again, generate(model, PROMPTS, BASE));
      await workers[0]!.worker.terminate();
      await assert.rejects(p.generate(PROMPTS, BASE), /no worker left \(generation worker \d exited unexpectedly.*\); close the pool/);
      assert.equal(p.running, 0);
    } finally {
      await p.close();
    }
  });

  test('the model check refuses a model from another folder', async () => {
    await pool.checkModel(model, 'test');
    const other = await loadSyntheticModel(undefined, 2);
    try {
      await assert.rejects(pool.checkModel(other.model, 'test'), /test: the GenerationPool was opened on .* not on the model's folder/);
    } finally {
      await other.close();
    }
  });
});

describe('close', () => {
  test('close() ends every worker, rejects running and queued requests and later calls, and is idempotent', async () => {
    const p = await GenerationPool.open(sm.dir, { workers: 1, backend: pool.backend });
    assert.equal(p.running, 1);
    const long: PoolGenerateOptions = { ...BASE, maxNewTokens: 40, steps: 16, runs: 8, stopTokens: [] };
    // The expectations are attached before closing, so the rejections are never unhandled.
    const running = assert.rejects(p.generate(PROMPTS, long), /GenerationPool has been closed/);
    const queued = assert.rejects(p.generate(PROMPTS, long), /GenerationPool has been closed/);
    await p.close();
    assert.equal(p.running, 0);
    await running;
    await queued;
    await assert.rejects(p.generate(PROMPTS, BASE), /generate after close\(\)/);
    await p.close();
  });
});
